"""GET requests: filters, paging and the Open311 view of reports (one service request = one report).

Public output: phone numbers never appear; those and ID numbers inside free text are masked (mask_text). Photos
appear only when uploaded through Open311 itself (residents' own photos stay private).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, String, and_, cast, func, or_, select
from sqlalchemy.orm import selectinload

from intake.triage import PRIVATE_MATTER, PROPERTY_MATTER
from service_api.cases.workflow import REJECT_REASONS, STATUS_TEXT
from service_api.extensions import db
from service_api.models import Case, CaseEvent, Report, utcnow
from service_api.models.open311 import Open311Request
from service_api.open311.catalog import service_names
from service_api.open311.params import Open311Error, format_datetime, parse_datetime, parse_int
from service_api.privacy import mask_text
from service_api.reports.view import public_event_text
from service_api.vocab import CLOSED_STATUSES, HANDLED_STATUSES, Source, Status

MAX_SPAN = timedelta(days=90)
MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 100
_UNITS = {"working_days": "个工作日", "working_hours": "个工作小时", "natural_hours": "小时", "natural_days": "天",
          "days": "天", "hours": "小时"}
# Never published: what intake found to be a private or home matter, or one inside a compound (a neighbour's
# mahjong, with the home's address and position), and cases staff rejected as not a city matter at all.
PRIVATE_REASONS = (PRIVATE_MATTER, PROPERTY_MATTER)
OUT_OF_SCOPE_REASON = "out_of_scope"
assert OUT_OF_SCOPE_REASON in REJECT_REASONS


def is_published(case: Case | None) -> bool:
    """Whether Open311 shows a report of this case (a report still waiting for intake has none yet)."""
    if case is None:
        return True
    reasons = ((case.extra or {}).get("triage") or {}).get("reasons") or ()
    if any(reason in PRIVATE_REASONS for reason in reasons):
        return False
    return not (case.status == Status.REJECTED and case.reject_reason == OUT_OF_SCOPE_REASON)


def _published_condition() -> Any:
    """`is_published` in SQL (portable: the JSON column read as text; the reason codes are quoted words)."""
    extra = func.coalesce(cast(Case.extra, String), "")
    private = or_(*(extra.like(f'%"{reason}"%') for reason in PRIVATE_REASONS))
    rejected = and_(Case.status == "rejected", func.coalesce(Case.reject_reason, "") == OUT_OF_SCOPE_REASON)
    return or_(Case.id.is_(None), ~or_(private, rejected))


@dataclass
class Filters:
    ids: list[str] | None = None
    service_codes: list[str] | None = None
    statuses: list[str] | None = None
    start: datetime | None = None
    end: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def _comma_list(value: str | None) -> list[str] | None:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    return items or None


def _window(args: Any) -> tuple[datetime, datetime]:
    """start_date/end_date: default the last 90 days; one alone means the 90 days after/before it."""
    start = parse_datetime(args["start_date"], "start_date") if args.get("start_date") else None
    end = parse_datetime(args["end_date"], "end_date") if args.get("end_date") else None
    if start is None:
        end = end or utcnow()
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, "end_date 早于 start_date")
    if end - start > MAX_SPAN:
        raise Open311Error(400, "start_date 与 end_date 相隔不得超过 90 天")
    return start, end


def read_filters(args: Any) -> Filters:
    filters = Filters(
        page=parse_int(args.get("page"), "page", 1, 1, 1_000_000),
        page_size=parse_int(args.get("page_size"), "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    )
    filters.ids = _comma_list(args.get("service_request_id"))
    if filters.ids:
        if len(filters.ids) > MAX_PAGE_SIZE:
            raise Open311Error(400, f"service_request_id 最多 {MAX_PAGE_SIZE} 个")
        return filters  # a list of ids overrides every other filter
    filters.service_codes = _comma_list(args.get("service_code"))
    filters.statuses = _comma_list(args.get("status"))
    for status in filters.statuses or ():
        if status not in ("open", "closed"):
            raise Open311Error(400, "status 应为 open 或 closed")
    filters.start, filters.end = _window(args)
    if args.get("updated_after"):
        filters.updated_after = parse_datetime(args["updated_after"], "updated_after")
    if args.get("updated_before"):
        filters.updated_before = parse_datetime(args["updated_before"], "updated_before")
    return filters


def _updated_column() -> Any:
    return func.coalesce(Case.updated_at, Report.updated_at)


def _matter_given() -> Any:
    """The case has a matter it was given (registered, or staff chose it), in SQL; `_service_code` in Python."""
    return and_(Case.id.isnot(None), Case.triage.is_(False), Case.matter_code.isnot(None))


def _statement(filters: Filters) -> Select[tuple[Report]]:
    statement = (
        select(Report)
        .outerjoin(Case, Report.case_id == Case.id)
        .outerjoin(Open311Request, Open311Request.report_id == Report.id)
    )
    statement = statement.where(_published_condition())
    if filters.ids:
        return statement.where(Report.tracking_no.in_(filters.ids))
    statement = statement.where(Report.created_at >= filters.start, Report.created_at <= filters.end)
    if filters.service_codes:
        codes = filters.service_codes
        given = _matter_given()
        statement = statement.where(or_(
            and_(given, Case.matter_code.in_(codes)),
            and_(~given, Open311Request.service_code.in_(codes)),
            # Before intake gave the report a case: its classification (a case without a matter has none).
            and_(Case.id.is_(None), Open311Request.report_id.is_(None), Report.matter_code.in_(codes)),
        ))
    if filters.statuses and set(filters.statuses) != {"open", "closed"}:
        closed = Case.status.in_(CLOSED_STATUSES)
        statement = statement.where(closed if filters.statuses == ["closed"] else or_(Case.id.is_(None), ~closed))
    if filters.updated_after is not None:
        statement = statement.where(_updated_column() >= filters.updated_after)
    if filters.updated_before is not None:
        statement = statement.where(_updated_column() <= filters.updated_before)
    return statement


def find_reports(filters: Filters) -> list[Report]:
    statement = (
        _statement(filters)
        .options(selectinload(Report.case).selectinload(Case.department), selectinload(Report.photos))
        .order_by(Report.created_at.desc(), Report.id.desc())
        .limit(filters.page_size).offset((filters.page - 1) * filters.page_size)
    )
    return list(db.session.scalars(statement))


def find_report(tracking_no: str) -> Report | None:
    """The report by its tracking number, or None when there is none or it is not published (is_published)."""
    report = db.session.query(Report).filter_by(tracking_no=tracking_no).one_or_none()
    return report if report is not None and is_published(report.case) else None


def token_request(token: str) -> dict[str, str | None] | None:
    """A POST's token and, once its report has a case, the service_request_id; None for an unknown token."""
    row = db.session.query(Open311Request).filter_by(token=token).one_or_none() if len(token) <= 40 else None
    if row is None:
        return None
    report = db.session.get(Report, row.report_id)
    service_request_id = report.tracking_no if report is not None and report.case_id is not None else None
    return {"service_request_id": service_request_id, "token": row.token}


def public_photo_url(photo_id: str) -> str:
    base = current_app.extensions["settings"].public_base_url.rstrip("/")
    return f"{base}/api/v1/photos/{photo_id}"


def service_notice(report: Report) -> str:
    case = report.case
    if case is None:
        return "已收到，正在分类受理；编号分配后可用 token 查询。"
    parts = [f"案件编号 {case.case_no}"]
    if case.triage:
        # Intake's routing guess is no assignment (for an address in another district it is plainly wrong).
        parts.append("待分拣，尚未派遣")
        return "；".join(parts)
    if case.department is not None:
        parts.append(f"承办单位：{case.department.name}")
    if case.time_limit_amount is not None and case.time_limit_unit:
        amount = case.time_limit_amount
        shown = int(amount) if float(amount).is_integer() else amount
        parts.append(f"处置时限：{shown}{_UNITS.get(case.time_limit_unit, case.time_limit_unit)}")
    return "；".join(parts)


def _status_notes(case: Case | None) -> str:
    if case is None:
        return "已收到，正在受理"
    text = STATUS_TEXT.get(case.status, case.status)
    if case.outcome and case.status in HANDLED_STATUSES:
        text = f"{text}：{case.outcome}"
    return mask_text(text) or text


class Context:
    """What a page of requests needs besides the reports themselves, loaded in a few queries."""

    def __init__(self, reports: list[Report], extensions: bool) -> None:
        ids = [r.id for r in reports]
        self.extensions = extensions
        self.names = service_names()
        self.requests = {
            row.report_id: row for row in db.session.scalars(
                select(Open311Request).where(Open311Request.report_id.in_(ids)))
        } if ids else {}
        self.parents: dict[int, str] = {}
        self.events: dict[int, list[CaseEvent]] = {}
        case_ids = {r.case_id for r in reports if r.case_id is not None}
        if not (extensions and case_ids):
            return
        first_ids = select(func.min(Report.id)).where(Report.case_id.in_(case_ids)).group_by(Report.case_id)
        for case_id, tracking_no in db.session.execute(
                select(Report.case_id, Report.tracking_no).where(Report.id.in_(first_ids))):
            self.parents[case_id] = tracking_no
        for event in db.session.scalars(select(CaseEvent).where(
                CaseEvent.case_id.in_(case_ids), CaseEvent.public.is_(True)).order_by(CaseEvent.id)):
            self.events.setdefault(event.case_id, []).append(event)


def _service_code(report: Report, context: Context) -> str:
    row = context.requests.get(report.id)
    case = report.case
    if case is not None and not case.triage and case.matter_code:
        return case.matter_code
    if row is not None:
        return row.service_code  # what the Open311 client itself asked for
    # A case waiting for triage, or without a matter, is not published with the classifier's guess.
    return (report.matter_code or "") if case is None else ""


def _notes(report: Report, context: Context) -> list[dict[str, Any]]:
    notes = [{"datetime": format_datetime(report.created_at), "summary": f"提交成功，受理编号 {report.tracking_no}"}]
    case = report.case
    for event in context.events.get(report.case_id or 0, []):
        if event.action == "receive":
            continue
        # The same words (and masking) as the public /r/ page: one text per event for every public surface.
        notes.append({"datetime": format_datetime(event.created_at), "summary": public_event_text(event, case)})
    return notes


def _media_urls(report: Report) -> list[str]:
    return [public_photo_url(p.id) for p in report.photos if p.owner_citizen_id is None and p.owner_staff_id is None]


def request_to_dict(report: Report, context: Context) -> dict[str, Any]:
    case = report.case
    code = _service_code(report, context)
    extra = report.extra or {}
    open311 = extra.get("open311") or {}
    photos = _media_urls(report) if report.channel == Source.OPEN311 else []
    updated = case.updated_at if case is not None else report.updated_at
    data: dict[str, Any] = {
        "service_request_id": report.tracking_no,
        "status": "closed" if case is not None and case.status in CLOSED_STATUSES else "open",
        "status_notes": _status_notes(case),
        "service_name": context.names.get(code),
        "service_code": code,
        "description": mask_text(report.description),
        "agency_responsible": case.department.name if case is not None and case.department and not case.triage
        else None,
        "service_notice": service_notice(report),
        "requested_datetime": format_datetime(report.created_at),
        "updated_datetime": format_datetime(updated),
        "expected_datetime": format_datetime(case.deadline) if case is not None else None,
        "address": mask_text(report.address or report.location_description),
        "address_id": open311.get("address_id"),
        "zipcode": None,
        # CGCS2000 and WGS-84 agree to centimetres; intake keeps the point in CGCS2000.
        "lat": round(report.lat, 7) if report.lat is not None else None,
        "long": round(report.lng, 7) if report.lng is not None else None,
        "media_url": extra.get("media_url") or (photos[0] if photos else None),
    }
    if context.extensions:
        data["extended_attributes"] = {
            "channel": report.channel,
            "case_no": case.case_no if case is not None else None,
            "case_status": case.status if case is not None else None,
            "duplicate": report.is_duplicate,
            "parent_service_request_id": (
                context.parents.get(case.id) if case is not None and report.is_duplicate else None),
            "photos": photos,
            "attributes": open311.get("attributes") or {},
            "notes": _notes(report, context),
        }
    return data


def requests_to_list(reports: list[Report], extensions: bool) -> list[dict[str, Any]]:
    context = Context(reports, extensions)
    return [request_to_dict(report, context) for report in reports]
