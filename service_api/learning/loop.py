"""Retrain, list and roll back the classifier from the platform's labels (`flask intake …`, the beat job)."""

from __future__ import annotations

import logging
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from intake.classify.registry import ModelVersion, Registry
from intake.classify.retrain import PlatformLabel, RetrainReport, retrain
from service_api.extensions import db
from service_api.learning.models import IntakeLabel

log = logging.getLogger(__name__)


def live_path():
    return current_app.extensions["settings"].intake_model_path


def registry() -> Registry:
    return Registry(live_path())


def platform_labels() -> list[PlatformLabel]:
    """Every label staff made, oldest first (the newest are the ones a candidate is judged on)."""
    rows = db.session.scalars(select(IntakeLabel).order_by(IntakeLabel.created_at, IntakeLabel.id))
    return [PlatformLabel(r.text, r.code, r.source, r.created_at) for r in rows]


def run_retrain(now: datetime, *, promote: bool = True) -> RetrainReport:
    labels = platform_labels()
    db.session.rollback()  # training takes a while: hold no transaction open meanwhile
    report = retrain(labels, now=now, live_path=live_path(), promote=promote)
    for line in report.lines():
        log.info("intake retrain: %s", line)
    return report


def versions() -> list[ModelVersion]:
    return registry().versions()


def rollback() -> ModelVersion:
    return registry().rollback()


def latest_run() -> dict | None:
    runs = registry().runs()
    return runs[-1] if runs else None
