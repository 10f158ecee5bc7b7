"""Staff-side case queries and transitions."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Query

from service_api.auth.principal import Principal
from service_api.cases.intake_pipeline import deadline_for
from service_api.cases.workflow import (
    STATUS_TEXT,
    Actor,
    TransitionRequest,
    allowed_actions,
    apply_transition,
)
from service_api.components.casework import case_component
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Case, CaseEvent, Report, StaffUser, case_outcome_photos
from service_api.numbers import normalise_ref
from service_api.photos import photo_links, usable_photos
from service_api.privacy import mask_name, mask_phone, mask_text, shown_actor_name
from service_api.reference.matters import matter_of

SHANGHAI = ZoneInfo("Asia/Shanghai")


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=SHANGHAI)


def visible_cases(staff: StaffUser) -> Query[Case]:
    """Handlers see only their department's cases; everyone else sees all."""
    query = db.session.query(Case)
    if staff.role == "handler":
        query = query.filter(Case.department_id == staff.department_id)
    return query


def filter_cases(query: Query[Case], args: dict[str, Any]) -> Query[Case]:
    if args.get("status"):
        query = query.filter(Case.status.in_(args["status"].split(",")))
    if args.get("matter"):
        query = query.filter(Case.matter_code.like(args["matter"] + "%"))
    if args.get("department"):
        from service_api.models import Department

        query = query.join(Department, Case.department_id == Department.id).filter(
            Department.code == args["department"])
    for key, column in (("grid", Case.grid_code), ("street", Case.street_code), ("community", Case.community_code),
                        ("district", Case.district_code)):
        if args.get(key):
            query = query.filter(column == args[key])
    if args.get("channel"):
        query = query.filter(Case.source_channel == args["channel"])
    if args.get("triage") is not None:
        query = query.filter(Case.triage.is_(args["triage"]))
    if args.get("date_from"):
        query = query.filter(Case.created_at >= day_start(args["date_from"]))
    if args.get("date_to"):
        query = query.filter(Case.created_at < day_start(args["date_to"] + timedelta(days=1)))
    return query


def get_visible_case(case_no: str, staff: StaffUser) -> Case:
    # as a person typed it: full-width digits and dashes, IME dashes, spaces, lower case
    case_no = normalise_ref(case_no)
    case = visible_cases(staff).filter(Case.case_no == case_no).one_or_none()
    if case is None:
        raise APIError(404, "case_not_found", f"未找到案件 {case_no[:40]}")
    return case


def find_visible_case(ref: str, staff: StaffUser) -> Case | None:
    """The case behind a case number (C…) or a report's tracking number (R…), in any written form."""
    ref = normalise_ref(ref)
    if not ref:
        return None
    case = visible_cases(staff).filter(Case.case_no == ref).one_or_none()
    if case is None:
        case = visible_cases(staff).join(Report, Report.case_id == Case.id).filter(
            Report.tracking_no == ref).one_or_none()
    return case


def case_summary(case: Case) -> dict[str, Any]:
    return {
        "case_no": case.case_no,
        "status": case.status,
        "status_text": STATUS_TEXT.get(case.status, case.status),
        "matter": matter_of(case.matter_code),
        "matter_confidence": case.matter_confidence,
        "triage": case.triage,
        "department": {"code": case.department.code, "name": case.department.name} if case.department else None,
        "priority": case.priority,
        "deadline": case.deadline,
        "address": case.address,
        "location_description": case.location_description,
        "location": {"lat": case.lat, "lng": case.lng} if case.lat is not None else None,
        "grid_code": case.grid_code,
        "community_code": case.community_code,
        "street_code": case.street_code,
        "district_code": case.district_code,
        "source_channel": case.source_channel,
        "report_count": case.report_count,
        "description": mask_text(case.description),  # as on the console: numbers whole only by a reveal
        "created_at": case.created_at,
        "updated_at": case.updated_at,
    }


def case_detail(case: Case, staff: StaffUser) -> dict[str, Any]:
    data = case_summary(case)
    reports = db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id)
    data.update({
        "outcome": mask_text(case.outcome),
        "outcome_photos": [photo_links(p.id) for p in case.outcome_photos],
        "reject_reason": mask_text(case.reject_reason),
        "needs_review": case.needs_review,
        "reopen_count": case.reopen_count,
        "allowed_actions": allowed_actions(case, staff.role),
        "component": case_component(case),
        "reports": [
            {"id": r.id, "tracking_no": r.tracking_no, "channel": r.channel, "description": mask_text(r.description),
             "contact_phone": mask_phone(r.contact_phone), "contact_name": mask_name(r.contact_name),
             "is_duplicate": r.is_duplicate, "created_at": r.created_at,
             "photos": [photo_links(p.id) for p in r.photos]}
            for r in reports
        ],
        "events": [
            {"at": e.created_at, "action": e.action, "from_status": e.from_status, "to_status": e.to_status,
             "actor_type": e.actor_type, "actor_name": shown_actor_name(e.actor_type, e.actor_name),
             "note": mask_text(e.note), "data": e.data}
            for e in db.session.query(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id)
        ],
    })
    return data


def transition_case(case_no: str, data: dict[str, Any], staff: StaffUser, principal: Principal) -> Case:
    case = get_visible_case(case_no, staff)
    db.session.refresh(case, with_for_update=True)
    request = TransitionRequest(
        action=data["action"], note=data.get("note"), outcome=data.get("outcome"),
        outcome_photo_ids=data.get("outcome_photo_ids") or [], department=data.get("department"),
        deadline=data.get("deadline"), reason=data.get("reason"),
    )
    if staff.role == "handler" and request.department:
        raise APIError(403, "role_forbidden", "处置人员不能改派部门")
    photos = usable_photos(request.outcome_photo_ids, principal) if request.outcome_photo_ids else []
    apply_transition(case, request, Actor.of_staff(staff), deadline_for=deadline_for)
    if request.action == "resolve":
        for position, photo in enumerate(photos):
            db.session.execute(case_outcome_photos.insert().values(case_id=case.id, photo_id=photo.id,
                                                                   position=position))
    db.session.commit()
    return case
