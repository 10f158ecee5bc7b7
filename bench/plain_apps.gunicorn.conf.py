"""gunicorn.conf.py's server settings without its hooks, for the benchmark's apps that are not the service
(hello_app, floor_app, floor_store_app): the hooks load the service's intake models and database pool."""

from pathlib import Path

_service = {}
exec((Path(__file__).resolve().parent.parent / "gunicorn.conf.py").read_text(), _service)
for _name in ("bind", "workers", "worker_class", "threads", "timeout", "graceful_timeout", "keepalive",
              "max_requests", "max_requests_jitter", "accesslog", "preload_app"):
    globals()[_name] = _service[_name]
