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
max_requests_jitter = int(os.environ.get("WEB_MAX_REQUESTS_JITTER", "500"))
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None
# Import the app and load the classifier and geocoder once, in the master: workers (and the ones that
# replace recycled workers) are forked ready, instead of each importing the app and loading the models again.
preload_app = os.environ.get("WEB_PRELOAD", "1") == "1"


def when_ready(server):
    """Master, before the first fork: load the intake objects, then close its database connections."""
    if preload_app:
        _warm_up(server.app.wsgi())


def post_fork(server, worker):
    """A forked worker must not reuse the master's pooled connections (none are left open, but be sure)."""
    if preload_app:
        _dispose_pool(worker.app.wsgi(), close=False)


def post_worker_init(worker):
    """Without preloading, load the classifier and geocoder before the first request, not during it."""
    if not preload_app:
        _warm_up(worker.app.wsgi())


def _warm_up(app):
    from service_api.cases.intake_runtime import warm_up

    warm_up(app)
    _dispose_pool(app, close=True)


def _dispose_pool(app, close):
    from service_api.extensions import db

    with app.app_context():
        db.engine.dispose(close=close)
