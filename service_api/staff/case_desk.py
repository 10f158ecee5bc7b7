"""The case desk (/staff/cases): queues, filters and the search box, and the same cases on a map (/staff/map).
Filters are checked as GET /api/v1/cases checks them; the queues are service_api.cases.desk."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import g, redirect, render_template, request, url_for

from service_api.api.cases import CaseFilterSchema, validate_status
from service_api.cases import desk
from service_api.cases.queries import find_visible_case
from service_api.errors import APIError
from service_api.maps.filters import OPEN, OPEN_TEXT, DeskFilters, parse_desk_filters
from service_api.models import CASE_STATUSES, CHANNELS, Case, utcnow
from service_api.reference.matters import matter_names
from service_api.reference.work_calendar import unknown_calendar_year
from service_api.staff.auth import login_required
from service_api.staff.console import PAGE_SIZE, blp
from service_api.staff.forms import checked_args


@blp.get("/cases")
@login_required()
def cases() -> Any:
    args = request.args
    ref = args.get("ref", "").strip()[:64]
    not_found = None
    if ref:  # the search box: a case or tracking number in any written form goes straight to its case
        found = find_visible_case(ref, g.staff)
        if found is not None:
            return redirect(url_for("staff.case_page", case_no=found.case_no))
        not_found = f"未找到编号为 {ref} 的案件或反映，请核对编号"
    desk_filters = _desk_filters(args)  # the same filters drive the map (/staff/map)
    queue, filters = desk_filters.queue, desk_filters.values
    query = desk_filters.query(g.staff)
    total = query.count()
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(checked_args(CaseFilterSchema())["page"], pages)  # a page past the end is the last one
    rows = query.order_by(Case.created_at.desc(), Case.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).all()
    now = utcnow()
    return render_template(
        "staff/cases.html", rows=rows, total=total, page=page, pages=pages,
        queue=queue, queues=desk.QUEUES, counts=desk.queue_counts(g.staff), filters=filters,
        lights={c.id: desk.deadline_light(c, now) for c in rows}, matters=matter_names([c.matter_code for c in rows]),
        departments=desk.department_choices(g.staff), statuses=CASE_STATUSES, channels=CHANNELS,
        query_args={k: v for k, v in args.items() if k not in ("page", "ref")}, ref=ref, not_found=not_found,
        filter_args=desk_filters.args(), open_status=(OPEN, OPEN_TEXT),
        calendar_gaps=sorted({y for c in rows if (y := unknown_calendar_year(c.deadline))}),
    )


@blp.get("/map")
@login_required()
def map_page() -> Any:
    """The desk's cases on a map (service_api/maps): the same filters as the list, open cases by default."""
    desk_filters = _desk_filters(request.args) if request.args else parse_desk_filters({"status": OPEN})
    return render_template(
        "staff/map.html", queue=desk_filters.queue, queues=desk.QUEUES, filters=desk_filters.values,
        filter_args=desk_filters.args(), departments=desk.department_choices(g.staff), statuses=CASE_STATUSES,
        channels=CHANNELS, open_status=(OPEN, OPEN_TEXT))


def _desk_filters(args: Mapping[str, str]) -> DeskFilters:
    """The desk's filters checked as GET /api/v1/cases checks them (plus the desk's own "open" status and
    queues): an unknown status or a bad date is a 422 with the API's message, not a list of every case."""
    checked = checked_args(CaseFilterSchema())
    status = checked.get("status")
    if status != OPEN:
        validate_status(status)
    queue = args.get("queue", "").strip()
    if queue and queue not in desk.QUEUES:
        raise APIError(422, "unknown_queue", f"未知的工作队列 {queue!r}", {"queue": [queue]})
    return parse_desk_filters(args)
