"""Beat job: retrain the classifier on schedule (`INTAKE_RETRAIN_CRON`, off by default)."""

from __future__ import annotations

from celery import shared_task

from service_api.models import utcnow

RETRAIN_TASK = "intake.retrain"


@shared_task(name=RETRAIN_TASK, ignore_result=True)
def retrain_task() -> bool:
    """Train, score and maybe promote a candidate; the report is kept in the model registry, where the stats
    page shows it to staff. Workers pick up a promoted model by themselves (load_classifier)."""
    from service_api.learning.loop import run_retrain

    return run_retrain(utcnow()).promoted
