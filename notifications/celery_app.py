"""The Celery app: `celery -A notifications.celery_app worker` and `celery -A notifications.celery_app beat`.

Beat only triggers short periodic jobs; long delays live in the outbox's `send_after` column, never in
Celery ETAs. Tasks are acknowledged after they finish (`acks_late`) and re-queued when their worker process
dies (`task_reject_on_worker_lost`); they are idempotent, so running one twice changes nothing.
"""

from __future__ import annotations

import sys
import threading
from typing import Any

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask

from service_api.config import PROJECT_ROOT, Settings

# `celery -A` puts the working directory on sys.path only while it imports this module (and takes it off
# again); the Flask app, and intake which it imports, are created later inside the worker processes.
if sys.path[-1] != str(PROJECT_ROOT):
    sys.path.append(str(PROJECT_ROOT))

_settings = Settings()
_flask_app: Flask | None = None
_app_lock = threading.Lock()


def flask_app() -> Flask:
    """The Flask app whose context every task runs in (created once per worker process)."""
    global _flask_app
    with _app_lock:
        if _flask_app is None:
            from service_api import create_app

            _flask_app = create_app(settings=_settings)
        return _flask_app


def use_flask_app(app: Flask) -> None:
    """Run tasks in this app's context (tests and benchmarks with their own settings)."""
    global _flask_app
    _flask_app = app


class FlaskTask(Task):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from service_api.extensions import db

        with flask_app().app_context():
            try:
                return self.run(*args, **kwargs)
            finally:
                db.session.remove()


def make_celery(settings: Settings) -> Celery:
    app = Celery("notifications", task_cls=FlaskTask, include=["notifications.tasks", "service_api.jobs",
                                                                "service_api.learning.tasks"])
    app.conf.update(
        broker_url=settings.celery_broker_url,
        broker_connection_retry_on_startup=True,
        # Without ETAs a message only waits while its task runs: a short visibility timeout brings back
        # the messages of a worker that died as a whole.
        # (Redis only: the SQLite/SQLAlchemy transport passes its options to create_engine and would fail.)
        broker_transport_options={"visibility_timeout": 300} if settings.celery_broker_url.startswith(
            ("redis://", "rediss://")) else {},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue="notifications",
        timezone="UTC",
        beat_schedule={
            "outbox-dispatch": {"task": "notifications.dispatch", "schedule": settings.outbox_dispatch_seconds},
            # The API's own jobs (service_api/jobs.py), named by task name: this package does not import them.
            "surveys-remind-and-expire": {"task": "surveys.remind_and_expire", "schedule": 60.0},
            "intake-retry-pending": {"task": "intake.retry_pending", "schedule": 60.0},
            "stats-refresh": {"task": "stats.refresh", "schedule": settings.stats_refresh_seconds},
            "personal-data-retention": {"task": "personal_data.apply_retention", "schedule": 86400.0},
        },
    )
    retrain = retrain_schedule(settings.intake_retrain_cron)
    if retrain is not None:
        app.conf.beat_schedule["intake-retrain"] = {"task": "intake.retrain", "schedule": retrain}
    return app


def retrain_schedule(spec: str) -> crontab | None:
    """INTAKE_RETRAIN_CRON ("minute hour day month weekday", UTC) as a schedule; None when empty or "off"."""
    spec = (spec or "").strip()
    if not spec or spec.lower() == "off":
        return None
    fields = spec.split()
    if len(fields) != 5:
        raise ValueError(f"INTAKE_RETRAIN_CRON must have 5 fields (minute hour day month weekday), got {spec!r}")
    minute, hour, day, month, weekday = fields
    return crontab(minute=minute, hour=hour, day_of_month=day, month_of_year=month, day_of_week=weekday)


celery = make_celery(_settings)
app = celery  # `celery -A notifications.celery_app` finds `app` / `celery`
