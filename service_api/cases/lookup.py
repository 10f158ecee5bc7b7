"""A case by the number a person gives (callers normalise what was typed with numbers.normalise_ref), and what
anyone holding that number may see of its history."""

from __future__ import annotations

from sqlalchemy.orm import Query

from service_api.extensions import db
from service_api.models import Case, CaseEvent


def case_by_no(case_no: str) -> Case | None:
    return db.session.query(Case).filter_by(case_no=case_no).one_or_none()



def public_events(case: Case) -> Query[CaseEvent]:
    """The case's public events, oldest first."""
    return db.session.query(CaseEvent).filter_by(case_id=case.id, public=True).order_by(CaseEvent.id)
