"""/staff/audit: the auditor's page (filters, pages of entries, CSV export)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request
from sqlalchemy import func, select

from service_api.audit.actions import ACTION_TEXT, OBJECT_TEXT, AuditAction
from service_api.audit.api import export_response
from service_api.audit.models import AuditEntry
from service_api.audit.query import entry_dict, filtered
from service_api.extensions import db
from service_api.models import AUDITOR, ROLE_TEXT
from service_api.staff.auth import login_required
from service_api.staff.pages import staff_page_blueprint

PAGE_SIZE = 50

blp = staff_page_blueprint("audit_pages", __name__, "/staff/audit")


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _filters() -> dict[str, Any]:
    args = request.args
    action = args.get("action", "")
    return {"actor": args.get("actor", "").strip()[:64], "action": action if action in ACTION_TEXT else "",
            "object_type": args.get("object_type", "").strip()[:32],
            "object_id": args.get("object_id", "").strip()[:64],
            "date_from": _date(args.get("date_from")), "date_to": _date(args.get("date_to"))}


def _only_auditor() -> None:
    from flask import abort, g

    if g.staff.role != AUDITOR:  # not even admins: the auditor is a separate duty
        abort(403)


@blp.get("")
@login_required(AUDITOR)
def audit_page() -> Any:
    _only_auditor()
    filters = _filters()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    query = filtered(filters)
    total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    rows = [entry_dict(e) for e in db.session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).scalars()]
    export_args = {k: v for k, v in request.args.items() if k != "page" and v}
    # The object types the trail holds: the vocabulary's, and any a later table added (shown by their name).
    present = db.session.execute(select(AuditEntry.object_type).where(AuditEntry.object_type.isnot(None))
                                 .distinct()).scalars()
    object_types = {**OBJECT_TEXT, **{t: OBJECT_TEXT.get(t, t) for t in present}}
    return render_template("audit/audit.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           filters=filters, actions=ACTION_TEXT, roles=ROLE_TEXT, export_args=export_args,
                           object_types=object_types,
                           AuditAction=AuditAction)


@blp.get("/export.csv")
@login_required(AUDITOR)
def audit_export() -> Any:
    _only_auditor()
    return export_response(_filters())
