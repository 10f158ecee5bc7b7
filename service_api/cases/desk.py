"""The case desk: queues, deadline lights, and the corrections dispatchers make (split a report out, change
the matter or the department). Every change is a CaseEvent in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_
from sqlalchemy.orm import Query

from service_api.cases import intake_runtime
from service_api.cases.intake_pipeline import create_case, ensure_department
from service_api.cases.queries import visible_cases
from service_api.cases.workflow import Actor
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Case, CaseEvent, Category, Department, Rating, Report, StaffUser, utcnow
from service_api.reference.work_calendar import current_calendar
from service_api.vocab import CLOSED_STATUSES, HANDLED_STATUSES, ROUTABLE_STATUSES, Satisfaction, Status

NOT_DISPATCHED_REJECTED = "不予立案，未派遣"
NOT_DISPATCHED_TRIAGE = "待分拣，未派遣"
NO_DEPARTMENT = "未分派"

QUEUES = {
    "triage": "待人工分类",
    "to_register": "待立案",
    "to_dispatch": "待派遣",
    "overdue": "已超期",
    "reopened": "重新办理",
    "unsatisfied": "不满意/待复核",
}
# A handled case's light says whether it was resolved by the deadline, in the words of the stats (按期处置数,
# stats_indicators); 办结 would say closed, which a case awaiting 核查 is not.
ON_TIME_RESOLVED, LATE_RESOLVED = "按期处置", "超期处置"
EVENT_TEXT = {
    "receive": "受理", "merge": "合并重复件", "change_matter": "更改事项", "change_department": "更改部门",
    "split_out": "拆分出反映", "split_in": "由拆分新建", "hotline_status_query": "热线查询",
    "hotline_follow_up": "热线催办/投诉", "callback": "回电", "rating": "评价",
}


def queue_query(staff: StaffUser, queue: str | None, now: datetime | None = None) -> Query[Case]:
    query = visible_cases(staff)
    now = now or utcnow()
    if queue == "triage":
        return query.filter(Case.triage.is_(True), Case.status == Status.RECEIVED)
    if queue == "to_register":
        return query.filter(Case.status == Status.RECEIVED)
    if queue == "to_dispatch":
        # Reopened cases, which 派遣 takes too, are the "reopened" queue's.
        return query.filter(Case.status.in_((Status.REGISTERED, Status.RETURNED)))
    if queue == "overdue":
        return query.filter(Case.status == Status.DISPATCHED, Case.deadline < now)
    if queue == "reopened":
        return query.filter(Case.status == Status.REOPENED)
    if queue == "unsatisfied":
        # Ratings of the current closing round: an answer changed since, or an earlier round, does not count.
        unsatisfied = exists().where(Rating.case_id == Case.id, Rating.round == Case.reopen_count + 1,
                                     Rating.rating == Satisfaction.UNSATISFIED)
        return query.filter(or_(Case.needs_review.is_(True), unsatisfied))
    return query


def queue_counts(staff: StaffUser) -> dict[str, int]:
    now = utcnow()
    return {name: queue_query(staff, name, now).count() for name in QUEUES}


@dataclass(frozen=True)
class Light:
    color: str  # green | yellow | red
    fraction: float
    text: str


def deadline_light(case: Case, now: datetime | None = None) -> Light | None:
    """Green below 80 % of the time limit used, yellow 80–100 %, red past the deadline (working time)."""
    if case.deadline is None or case.dispatched_at is None:
        return None
    from intake.worktime import working_time_elapsed_fraction as elapsed_fraction

    end = case.resolved_at if case.status in HANDLED_STATUSES and case.resolved_at else (now or utcnow())
    fraction = elapsed_fraction(case.dispatched_at, case.deadline, end, case.time_limit_unit or "working_hours",
                                current_calendar())
    if fraction >= 1.0:
        color, text = "red", "已超期"
    elif fraction >= 0.8:
        color, text = "yellow", "即将到期"
    else:
        color, text = "green", "正常"
    if case.status in HANDLED_STATUSES:  # measured at resolved_at
        text = LATE_RESOLVED if color == "red" else ON_TIME_RESOLVED
    return Light(color, fraction, f"{text}（已用 {fraction * 100:.0f}%）")


def _event(case: Case, staff: StaffUser, action: str, note: str, data: dict[str, Any],
           report_id: int | None = None) -> CaseEvent:
    actor = Actor.of_staff(staff)
    event = CaseEvent(case_id=case.id, report_id=report_id, action=action, from_status=case.status,
                      to_status=case.status, actor_type="staff", actor_id=actor.id, actor_name=actor.name,
                      note=note, public=False, data=data, created_at=utcnow())
    db.session.add(event)
    case.updated_at = event.created_at
    return event


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise APIError(422, "reason_required", "请填写原因", {"reason": ["required"]})
    return reason[:500]


def change_matter(case: Case, matter_code: str, reason: str | None, staff: StaffUser, *, commit: bool = True) -> None:
    """Correct the matter; before dispatch the routing (department, time limit) follows the new matter."""
    if not matter_code:  # the form's blank choice
        raise APIError(422, "matter_required", "请选择事项", {"matter": ["required"]})
    reason = _reason(reason)
    category = db.session.get(Category, matter_code)
    if category is None or not category.active:
        raise APIError(422, "unknown_matter", f"未知的事项代码 {matter_code!r}", {"matter": [matter_code]})
    if case.status in CLOSED_STATUSES:
        raise APIError(409, "case_finished", "案件已办结或不予立案，不能更改事项")
    old = case.matter_code
    case.matter_code = matter_code
    case.matter_confidence = None  # the classifier's confidence was for the old matter; staff decided this one
    data: dict[str, Any] = {"from": old, "to": matter_code}
    if case.status in ROUTABLE_STATUSES:
        route = intake_runtime.routing().route(matter_code, case.street_code)
        department = ensure_department(route.department_code, route.department_name)
        if department.id != case.department_id:
            data["department"] = department.code
        case.department_id = department.id
        case.priority = route.priority
        case.time_limit_amount, case.time_limit_unit = route.time_limit_amount, route.time_limit_unit
    _event(case, staff, "change_matter", f"事项由 {old or '未分类'} 改为 {matter_code} {category.name}：{reason}", data)
    if commit:
        db.session.commit()


def change_department(case: Case, department_code: str, reason: str | None, staff: StaffUser) -> None:
    reason = _reason(reason)
    department = db.session.query(Department).filter_by(code=department_code).one_or_none()
    if department is None:
        raise APIError(422, "unknown_department", f"未知的部门 {department_code!r}", {"department": [department_code]})
    if case.status in CLOSED_STATUSES:
        raise APIError(409, "case_finished", "案件已办结或不予立案，不能更改部门")
    old = case.department
    case.department_id = department.id
    old_name = old.name if old else "未分派"
    _event(case, staff, "change_department", f"处置部门由 {old_name} 改为 {department.name}：{reason}",
           {"from": old.code if old else None, "to": department.code})
    db.session.commit()


def split_report(case: Case, report_id: int, reason: str | None, staff: StaffUser) -> Case:
    """Take a wrongly merged report out of `case` into a case of its own (routed like any new case)."""
    reason = _reason(reason)
    report = db.session.get(Report, report_id)
    if report is None or report.case_id != case.id:
        raise APIError(404, "report_not_found", "该反映不属于此案件")
    if case.report_count <= 1 or db.session.query(Report).filter_by(case_id=case.id).count() <= 1:
        raise APIError(409, "last_report", "案件只有这一条反映，无法拆分")
    db.session.refresh(case, with_for_update=True)
    report.is_duplicate = False
    report.extra = {**(report.extra or {}), "split_from": case.case_no}
    new_case = create_case(report)  # numbered, routed and (if confident) registered like intake does
    case.report_count = max(case.report_count - 1, 1)
    _event(case, staff, "split_out", f"将反映 {report.tracking_no} 拆分为新案件 {new_case.case_no}：{reason}",
           {"report_id": report.id, "new_case_no": new_case.case_no}, report_id=report.id)
    _event(new_case, staff, "split_in", f"由案件 {case.case_no} 拆分而来：{reason}",
           {"report_id": report.id, "from_case_no": case.case_no}, report_id=report.id)
    db.session.commit()
    return new_case


def matter_choices() -> list[Category]:
    return db.session.query(Category).filter_by(active=True).order_by(Category.code).all()


def department_choices(staff: StaffUser | None = None) -> list[Department]:
    """Departments to choose from; a handler's desk filter offers only the departments whose cases they see."""
    query = db.session.query(Department)
    if staff is not None and staff.role == "handler":
        query = query.filter(Department.id == staff.department_id)
    return query.order_by(Department.code).all()


def assigned_department(case: Case) -> Department | None:
    """The department that handles the case, or None: a case waiting for triage has only intake's routing guess
    (wrong for another district's address) and a rejected case is handled by nobody, so neither is assigned."""
    if case.rejected_at or case.triage:
        return None
    return case.department


def department_text(case: Case) -> str:
    """The case page's 处置部门 line, also the map popup's, so both say the same about one case."""
    if case.rejected_at:
        return NOT_DISPATCHED_REJECTED
    if case.triage:
        return NOT_DISPATCHED_TRIAGE
    return case.department.name if case.department else NO_DEPARTMENT
