"""Celery workers that send what the API wrote to the notification outbox, and run surveys (回访).

Depends on service_api (models, services); service_api never imports this package.
"""
