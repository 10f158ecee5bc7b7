"""WSGI entry point: `gunicorn wsgi:app`."""

from service_api import create_app

app = create_app()
