"""The Celery app: every job beat schedules is a task the worker has (tasks are scheduled by name)."""

from __future__ import annotations


def test_every_beat_job_names_a_task_the_worker_runs():
    from notifications.celery_app import celery

    celery.loader.import_default_modules()  # what a worker does when it starts: import the `include` modules
    assert {"outbox-dispatch", "surveys-remind-and-expire", "intake-retry-pending", "stats-refresh",
            "personal-data-retention"} <= set(celery.conf.beat_schedule)
    for job, entry in celery.conf.beat_schedule.items():
        assert entry["task"] in celery.tasks, job
