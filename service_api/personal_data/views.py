"""Console: the reveal form on the case page, and the page that shows the contacts once."""

from __future__ import annotations

from typing import Any

from flask import g, render_template, request

from service_api.cases.queries import get_visible_case
from service_api.errors import APIError
from service_api.extensions import db, limiter
from service_api.personal_data.reveal import REVEAL_REASONS, REVEAL_ROLES, reveal_contacts
from service_api.staff.auth import login_required
from service_api.staff.pages import staff_page_blueprint

blp = staff_page_blueprint("personal_data_pages", __name__, "/staff/cases")


@blp.app_context_processor
def _reveal_globals() -> dict[str, Any]:
    return {"reveal_roles": REVEAL_ROLES, "reveal_reasons": REVEAL_REASONS}


@blp.post("/<case_no>/contact")
@login_required(*REVEAL_ROLES)
@limiter.limit("30/minute")
def reveal_page(case_no: str) -> Any:
    case = get_visible_case(case_no, g.staff)
    reason = request.form.get("reason", "")
    if reason == "other":
        reason = request.form.get("reason_text", "")
    try:
        contacts = reveal_contacts(case, g.staff, reason[:400])
    except APIError as exc:
        db.session.rollback()
        return render_template("staff/error.html", status=exc.status, message=exc.message), exc.status
    db.session.commit()
    response = render_template("personal_data/revealed.html", case=case, contacts=contacts)
    return response, 200, {"Cache-Control": "no-store"}
