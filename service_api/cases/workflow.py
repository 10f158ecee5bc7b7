"""The case workflow: one state machine, every transition recorded as a CaseEvent in the same transaction.

received → registered (立案) → dispatched (派遣) → resolved (处置完成) → verified (核查) → closed (结案),
plus rejected (不予立案), returned (回退), reopened (重新办理) and extend (延期, status unchanged).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import ROLE_TEXT, Case, CaseEvent, Department, StaffUser, utcnow
from service_api.vocab import HANDLED_STATUSES, STATUS_TEXT, Status

REJECT_REASONS = {
    "out_of_scope": "不属于城市管理范围",
    "not_a_problem": "经核实问题不存在",
    "duplicate": "重复反映",
    "insufficient_info": "信息不足无法处理",
}


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str | None  # None keeps the status (extend)
    roles: tuple[str, ...]
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("register", (Status.RECEIVED,), Status.REGISTERED, ("agent", "dispatcher"), "立案"),
        Transition("reject", (Status.RECEIVED,), Status.REJECTED, ("agent", "dispatcher"), "不予立案"),
        Transition("dispatch", (Status.REGISTERED, Status.RETURNED, Status.REOPENED), Status.DISPATCHED,
                   ("dispatcher",), "派遣"),
        Transition("return", (Status.DISPATCHED, Status.RESOLVED), Status.RETURNED,
                   ("handler", "dispatcher", "reviewer"), "回退"),
        Transition("resolve", (Status.DISPATCHED,), Status.RESOLVED, ("handler", "dispatcher"), "处置完成"),
        Transition("verify", (Status.RESOLVED,), Status.VERIFIED, ("dispatcher", "reviewer"), "核查通过"),
        Transition("close", (Status.VERIFIED,), Status.CLOSED, ("dispatcher", "reviewer"), "结案"),
        Transition("reopen", HANDLED_STATUSES, Status.REOPENED, ("dispatcher", "reviewer"), "重新办理"),
        Transition("extend", (Status.DISPATCHED,), None, ("dispatcher",), "延期"),
    )
}



@dataclass(frozen=True)
class Actor:
    """Who acts: a staff user, the system, or a resident."""

    type: str
    id: int | None = None
    name: str | None = None
    role: str | None = None

    @classmethod
    def of_staff(cls, user: StaffUser) -> Actor:
        return cls("staff", user.id, user.display_name or user.username, user.role)


SYSTEM = Actor("system", name="系统")


@dataclass
class TransitionRequest:
    action: str
    note: str | None = None
    outcome: str | None = None
    outcome_photo_ids: list[str] = field(default_factory=list)
    department: str | None = None
    deadline: datetime | None = None
    reason: str | None = None


# Hooks run inside the transaction after each transition (the outbox writer registers one),
# so service_api never imports notifications and the case change and its messages commit together.
TransitionHook = Callable[[Case, str, Actor, TransitionRequest], None]
_hooks: list[TransitionHook] = []


def set_transition_hooks(hooks: list[TransitionHook]) -> None:
    """What runs after every transition, inside its transaction, in this order. create_app wires them (the
    outbox's announcements, the surveys, the learning labels), so the workflow knows none of them."""
    _hooks[:] = hooks


def allowed_actions(case: Case, role: str | None) -> list[str]:
    """Actions this role may take on this case now (for buttons in the staff console)."""
    return [
        t.action for t in TRANSITIONS.values()
        if case.status in t.sources and (role == "admin" or role in t.roles)
    ]


def apply_transition(case: Case, request: TransitionRequest, actor: Actor,
                     deadline_for: Callable[[Case, datetime], datetime | None] | None = None) -> CaseEvent:
    """Check and apply one transition; the caller commits. Raises APIError 409/403/422."""
    transition = TRANSITIONS.get(request.action)
    if transition is None:
        raise APIError(422, "unknown_action", f"未知的操作 {request.action!r}，可用：{', '.join(TRANSITIONS)}")
    if actor.type == "staff" and actor.role != "admin" and actor.role not in transition.roles:
        role = ROLE_TEXT.get(actor.role or "", actor.role)
        raise APIError(403, "role_forbidden", f"{role}不能执行「{transition.label}」")
    if case.status not in transition.sources:
        raise APIError(
            409, "illegal_transition",
            f"案件当前状态为「{STATUS_TEXT.get(case.status, case.status)}」，不能执行「{transition.label}」",
        )
    now = utcnow()
    previous = case.status
    data: dict[str, Any] = {}
    _apply_effects(case, request, now, data, deadline_for)
    if transition.target is not None:
        case.status = transition.target
    case.updated_at = now
    note = request.note or request.reason
    if data.get("department_name"):
        note = f"派遣至{data['department_name']}" + (f"：{note}" if note else "")
    event = CaseEvent(
        case_id=case.id, action=request.action, from_status=previous, to_status=case.status,
        actor_type=actor.type, actor_id=actor.id, actor_name=actor.name,
        note=note, data=data, created_at=now,
    )
    db.session.add(event)
    for hook in _hooks:
        hook(case, request.action, actor, request)
    return event


def _apply_effects(case: Case, request: TransitionRequest, now: datetime, data: dict[str, Any],
                   deadline_for: Callable[[Case, datetime], datetime | None] | None) -> None:
    action = request.action
    if action == "register":
        if not case.matter_code:
            raise APIError(422, "matter_required", "立案前需要确定事项类别（matter）")
        case.registered_at = now
        case.triage = False
    elif action == "reject":
        if request.reason not in REJECT_REASONS:
            raise APIError(422, "reason_required",
                           f"不予立案需要原因 reason，可选：{', '.join(REJECT_REASONS)}")
        case.reject_reason = request.reason
        case.rejected_at = now
        case.triage = False
        data["reason"] = request.reason
    elif action == "dispatch":
        if request.department:
            department = db.session.query(Department).filter_by(code=request.department).one_or_none()
            if department is None:
                raise APIError(422, "unknown_department", f"未知的部门 {request.department!r}")
            case.department_id = department.id
        if case.department_id is None:
            raise APIError(422, "department_required", "派遣需要指定处置部门 department")
        case.dispatched_at = now
        case.deadline = request.deadline or (deadline_for(case, now) if deadline_for else None)
        data["department_id"] = case.department_id
        department = db.session.get(Department, case.department_id)
        if department is not None:  # the event says where the case went, not just that it went somewhere
            data["department"], data["department_name"] = department.code, department.name
        data["deadline"] = case.deadline.isoformat() if case.deadline else None
    elif action == "resolve":
        if not (request.outcome or "").strip():
            raise APIError(422, "outcome_required", "处置完成需要填写处置结果 outcome")
        case.outcome = request.outcome.strip()
        case.resolved_at = now
    elif action == "verify":
        case.verified_at = now
    elif action == "close":
        case.closed_at = now
    elif action == "reopen":
        case.reopen_count += 1
        case.closed_at = None
        case.verified_at = None
        case.resolved_at = None
    elif action == "return":
        if not (request.reason or request.note):
            raise APIError(422, "reason_required", "回退需要说明原因 reason")
    elif action == "extend":
        if request.deadline is None:
            raise APIError(422, "deadline_required", "延期需要新的期限 deadline")
        if case.deadline is not None and request.deadline <= case.deadline:
            raise APIError(422, "deadline_not_later", "新的期限必须晚于当前期限")
        data["old_deadline"] = case.deadline.isoformat() if case.deadline else None
        case.deadline = request.deadline
        data["deadline"] = request.deadline.isoformat()
