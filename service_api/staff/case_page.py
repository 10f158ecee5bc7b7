"""One case for staff (/staff/cases/<case_no>): its reports, history, rating and place, and the forms that act
on it: workflow transitions and the desk's corrections (matter, department, splitting a report out)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from service_api.cases import desk, intake_runtime
from service_api.cases.casefile import case_file
from service_api.cases.queries import get_visible_case, transition_case
from service_api.cases.workflow import REJECT_REASONS, TRANSITIONS, allowed_actions
from service_api.errors import APIError
from service_api.extensions import db
from service_api.maps import areas as map_areas
from service_api.models import Case, CaseEvent, Report
from service_api.privacy import mask_name, shown_actor_name
from service_api.staff.auth import login_required
from service_api.staff.console import SHANGHAI, blp, principal
from service_api.staff.forms import labelled, too_long, typed_fields

CASE_FORM_LIMITS = {"note": 2000, "outcome": 4000, "reason": 200}


@blp.get("/cases/<case_no>")
@login_required()
def case_page(case_no: str) -> Any:
    case = get_visible_case(case_no, g.staff)
    if case_no != case.case_no:  # typed with full-width dashes, lower case…: one address per case
        return redirect(url_for("staff.case_page", case_no=case.case_no))
    file = case_file(case)
    actions = [TRANSITIONS[a] for a in allowed_actions(case, g.staff.role)]
    role = g.staff.role
    return render_template(
        "staff/case.html", case=case, reports=file.reports, events=file.events, ratings=file.ratings,
        actions=actions, places=_place_names(case),
        in_served_area=map_areas.in_served_area(intake_runtime.geocoder().gaz, case.lat, case.lng),
        event_who=file.received_by, event_notes=_event_notes(file.events),
        matter=file.matter, light=desk.deadline_light(case), reject_reasons=REJECT_REASONS,
        departments=desk.department_choices(), matters=desk.matter_choices(), event_text=desk.EVENT_TEXT,
        transition_labels={t.action: t.label for t in TRANSITIONS.values()}, mask_name=mask_name,
        actor_name=shown_actor_name,
        candidates=_candidates(file.reports), can_change_matter=role in ("agent", "dispatcher", "admin"),
        can_change_department=role in ("dispatcher", "admin"), can_split=role in ("dispatcher", "admin"),
    )


def _place_names(case: Case) -> list[tuple[str, str, str]]:
    """(level, name, code) of the case's street, community and grid: staff read names, with the code beside."""
    gazetteer = intake_runtime.geocoder().gaz
    return [(label, gazetteer.area_name(code) or "", code) for label, code in (
        ("街道", case.street_code), ("社区", case.community_code), ("网格", case.grid_code)) if code]


def _event_notes(events: list[CaseEvent]) -> dict[int, str]:
    """Notes shown in words where the event stored a code: a rejection's reason (REJECT_REASONS)."""
    notes: dict[int, str] = {}
    for event in events:
        reason = (event.data or {}).get("reason") if event.action == "reject" else None
        if reason:
            own = event.note if event.note and event.note != reason else None
            notes[event.id] = REJECT_REASONS.get(reason, reason) + (f"（{own}）" if own else "")
    return notes


def _candidates(reports: list[Report]) -> list[dict[str, Any]]:
    """Intake's matter candidates of the case's first report (for manual triage)."""
    for report in reports:
        if report.candidates:
            return [c for c in report.candidates if isinstance(c, dict)][:5]
    return []


def _local_deadline(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
    except ValueError as exc:
        raise APIError(422, "bad_deadline", "期限格式不正确") from exc


@blp.post("/cases/<case_no>/transition")
@login_required()
def case_transition(case_no: str) -> Any:
    form = request.form
    refused = too_long(form, CASE_FORM_LIMITS)
    if refused:
        return render_template("staff/error.html", status=422, message=refused,
                               typed=labelled(typed_fields())), 422
    data = {"action": form.get("action", ""), "note": form.get("note", "").strip() or None,
            "outcome": form.get("outcome", "").strip() or None,
            "department": form.get("department") or None, "reason": form.get("reason", "").strip() or None}
    try:
        data["deadline"] = _local_deadline(form.get("deadline"))
        transition_case(case_no, data, g.staff, principal())
    except APIError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(f"已执行「{TRANSITIONS[data['action']].label}」", "success")
    return redirect(url_for("staff.case_page", case_no=case_no))


@blp.post("/cases/<case_no>/matter")
@login_required("agent", "dispatcher")
def case_matter(case_no: str) -> Any:
    return _correction(case_no, lambda case: desk.change_matter(case, request.form.get("matter", "").strip(),
                                                                 request.form.get("reason"), g.staff), "事项已更改")


@blp.post("/cases/<case_no>/department")
@login_required("dispatcher")
def case_department(case_no: str) -> Any:
    return _correction(case_no, lambda case: desk.change_department(case, request.form.get("department", ""),
                                                                     request.form.get("reason"), g.staff), "部门已更改")


@blp.post("/cases/<case_no>/split")
@login_required("dispatcher")
def case_split(case_no: str) -> Any:
    report_id = request.form.get("report_id", type=int) or 0

    def split(case: Case) -> None:
        new_case = desk.split_report(case, report_id, request.form.get("reason"), g.staff)
        flash(f"已拆分为新案件 {new_case.case_no}", "success")

    return _correction(case_no, split, None)


def _correction(case_no: str, change: Any, message: str | None) -> Any:
    case = get_visible_case(case_no, g.staff)
    try:
        change(case)
    except APIError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        if message:
            flash(message, "success")
    return redirect(url_for("staff.case_page", case_no=case_no))
