"""Label capture: a staff decision on a case becomes one labelled example in `intake_labels`.

Dispatching (派遣) a case says its matter is right: the label is the case's matter, `confirmed` when it is the
one the classifier gave, `corrected` (with the reason of the last correction) when staff changed it. Rejecting
a case as out of scope (不予立案：不属于城市管理范围) labels it out of scope. Closing (结案) writes the label again,
so a correction made while the case was being handled is not lost. One row per case: a later decision replaces
the earlier one.
"""

from __future__ import annotations

from sqlalchemy import select

from intake.classify.retrain import LABEL_CONFIRMED, LABEL_CORRECTED, LABEL_REJECTED
from service_api.cases.workflow import REJECT_REASONS, Actor, TransitionRequest
from service_api.extensions import db
from service_api.learning.models import IntakeLabel
from service_api.models import Case, CaseEvent, Report, utcnow

OUT_OF_SCOPE_REASON = "out_of_scope"  # the REJECT_REASONS key meaning "not a city-management matter"
CHANGE_MATTER = "change_matter"  # the CaseEvent action of a matter correction on the desk
LABELLING_ACTIONS = ("dispatch", "close")


def classifier_text(report: Report) -> str:
    """The text the classifier read for this report (as intake_pipeline builds it)."""
    if report.category_hint:
        return f"{report.category_hint} {report.description}"
    return report.description or ""


def _first_report(case: Case) -> Report | None:
    return db.session.scalars(select(Report).where(Report.case_id == case.id).order_by(Report.id).limit(1)).first()


def _last_correction(case: Case) -> str | None:
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.action == CHANGE_MATTER)
        .order_by(CaseEvent.id.desc()).limit(1)
    ).first()
    return event.note if event is not None else None


def record_label(case: Case, *, code: str | None, reason: str | None = None) -> IntakeLabel | None:
    """Write (or replace) the case's label; None when the case has no report text to learn from."""
    report = _first_report(case)
    if report is None or not (report.description or "").strip():
        return None
    predicted = report.matter_code if report.in_scope else None
    if code is None:
        source = LABEL_REJECTED
    elif code == predicted:
        source, reason = LABEL_CONFIRMED, None
    else:
        source, reason = LABEL_CORRECTED, reason or _last_correction(case)
    label = db.session.scalars(select(IntakeLabel).where(IntakeLabel.case_id == case.id)).first()
    if label is None:
        label = IntakeLabel(case_id=case.id, created_at=utcnow())
        db.session.add(label)
    label.report_id = report.id
    label.text = classifier_text(report)
    label.code, label.predicted_code, label.source, label.reason = code, predicted, source, reason
    label.channel = report.channel
    label.updated_at = utcnow()
    return label


def capture_label(case: Case, action: str, actor: Actor, request: TransitionRequest) -> None:
    """Workflow hook: runs inside the transition's transaction, so the label commits with the decision."""
    if actor.type != "staff":
        return
    if action in LABELLING_ACTIONS and case.matter_code:
        record_label(case, code=case.matter_code)
    elif action == "reject" and request.reason == OUT_OF_SCOPE_REASON:
        note = REJECT_REASONS[OUT_OF_SCOPE_REASON] + (f"：{request.note}" if request.note else "")
        record_label(case, code=None, reason=note)
