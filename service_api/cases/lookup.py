"""A case by the number a person gives (callers normalise what was typed with numbers.normalise_ref)."""

from __future__ import annotations

from service_api.extensions import db
from service_api.models import Case


def case_by_no(case_no: str) -> Case | None:
    return db.session.query(Case).filter_by(case_no=case_no).one_or_none()

