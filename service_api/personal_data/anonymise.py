"""Retention: the residents' personal data of cases finished longer ago than PERSONAL_DATA_RETENTION_DAYS.

A case is finished when it was closed or rejected (不予立案); its reports lose their personal data (scrub.py),
their cases keep every figure statistics read.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from sqlalchemy import or_, select

from service_api.audit.actions import AuditAction
from service_api.audit.record import SYSTEM, Actor, record
from service_api.extensions import db
from service_api.models import Case, Report, utcnow
from service_api.personal_data.scrub import scrub_report
from service_api.privacy import mask_text
from service_api.vocab import CLOSED_STATUSES

BATCH = 200


def due_reports(older_than_days: int) -> select:  # type: ignore[valid-type]
    cutoff = utcnow() - timedelta(days=older_than_days)
    finished = or_(Case.closed_at < cutoff, Case.rejected_at < cutoff)
    open_again = Case.status.notin_(CLOSED_STATUSES)
    return (select(Report).join(Case, Report.case_id == Case.id)
            .where(finished, ~open_again, Report.anonymised_at.is_(None)).order_by(Report.id))


def anonymise(older_than_days: int, *, dry_run: bool = False, actor: Actor | None = None) -> Counter[str]:
    """Scrub every due report; returns how many rows of each table changed (a dry run changes nothing)."""
    counts: Counter[str] = Counter()
    last_id = 0
    while True:
        reports = db.session.scalars(due_reports(older_than_days).where(Report.id > last_id).limit(BATCH)).all()
        if not reports:
            break
        for report in reports:
            scrub_report(report, counts)
            case = report.case
            if case is not None and case.description != mask_text(case.description):
                case.description = mask_text(case.description) or ""
                counts["cases"] += 1
        last_id = reports[-1].id
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    counts["reports_due"] = counts["reports"]
    if not dry_run and sum(counts.values()):
        record(AuditAction.ANONYMISED, object_type="personal_data", detail={
            "older_than_days": older_than_days, **dict(counts)}, actor=actor or Actor(SYSTEM, name="retention"))
        db.session.commit()
    return counts
