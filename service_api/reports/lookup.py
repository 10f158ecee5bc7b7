"""Finding reports: by the number a person gives, by who filed them, by the photos they show."""

from __future__ import annotations

from service_api.extensions import db
from service_api.models import Report


def report_by_id(report_id: int) -> Report | None:
    return db.session.get(Report, report_id)


def report_by_tracking_no(tracking_no: str) -> Report | None:
    return db.session.query(Report).filter_by(tracking_no=tracking_no).one_or_none()
