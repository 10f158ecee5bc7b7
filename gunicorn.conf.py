"""Gunicorn settings for production and benchmarks (`gunicorn -c gunicorn.conf.py wsgi:app`).

Threads let a worker keep the CPU busy while other requests wait on the database.
"""

import atexit
import multiprocessing
import os
import sys

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
# replace recycled workers) are forked ready. Without it every recycle re-imported and re-loaded ~2 s of CPU.
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


def worker_exit(server, worker):
    """A worker that is done leaves without tearing its interpreter down (os._exit, as multiprocessing's children do).

    Freeing the preloaded heap object by object (classifier, gazetteer, taxonomy) made every page of it the
    worker's own copy: ~1 s of CPU per exit, every recycle (max_requests), ~0.2 ms per report. What the normal
    exit does that matters is done first: requests still running finish, pooled connections close, exit
    handlers run (logging flushes). Only a SystemExit is shortcut, with its code (the arbiter reads boot errors).
    """
    exc = sys.exc_info()[1]
    if not isinstance(exc, SystemExit):
        return
    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    pool = getattr(worker, "tpool", None)
    if pool is not None:
        pool.shutdown(wait=True)
    if worker.booted:
        _dispose_pool(worker.app.wsgi(), close=True)
    atexit._run_exitfuncs()  # logging's own shutdown among them: handlers flush and close
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _warm_up(app):
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not our app (e.g. the benchmark's hello-world)
    from service_api.services.intake_runtime import warm_up

    warm_up(app)
    _dispose_pool(app, close=True)


def _dispose_pool(app, close):
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # not our app (e.g. the benchmark's hello-world)
    from service_api.extensions import db

    with app.app_context():
        db.engine.dispose(close=close)
