"""Gunicorn settings for production and benchmarks (`gunicorn -c gunicorn.conf.py wsgi:app`).

Threads let a worker keep the CPU busy while other requests wait on the database.
"""

import multiprocessing
import os

bind = f"127.0.0.1:{os.environ.get('API_PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))  # one per core; threads cover DB waits
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "5000"))  # recycle workers; keeps memory flat
max_requests_jitter = 500
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None


def post_worker_init(worker):
    """Load the classifier and geocoder before the first request, not during it."""
    from service_api.services.intake_runtime import warm_up

    warm_up(worker.app.wsgi())
