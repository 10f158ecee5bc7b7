"""Console: the reveal forms of the case and callback pages, and the pages that show the contacts once."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for

from service_api.cases.queries import get_visible_case
from service_api.errors import APIError
from service_api.extensions import db, limiter
from service_api.models import Callback
from service_api.personal_data.reveal import (
    MAX_REASON,
    REVEAL_REASONS,
    REVEAL_ROLES,
    reveal_callback_phone,
    reveal_contacts,
)
from service_api.privacy import mask_text
from service_api.staff.auth import login_required
from service_api.staff.pages import staff_page_blueprint

blp = staff_page_blueprint("personal_data_pages", __name__, "/staff")
REVEAL_FORM_FLASH = "form:reveal"  # a refused reveal, handed back to the case page's reveal form


@blp.app_context_processor
def _reveal_globals() -> dict[str, Any]:
    return {"reveal_roles": REVEAL_ROLES, "reveal_reasons": REVEAL_REASONS, "REVEAL_FORM_FLASH": REVEAL_FORM_FLASH}


@blp.post("/cases/<case_no>/contact")
@login_required(*REVEAL_ROLES)
@limiter.limit("30/minute")
def reveal_page(case_no: str) -> Any:
    case = get_visible_case(case_no, g.staff)
    try:
        contacts = reveal_contacts(case, g.staff, _reason())
    except APIError as exc:
        db.session.rollback()
        # Back to the case page, the error beside the reveal form (a "form:" flash, which the page header does not
        # show) and the reason chosen and typed kept.
        _hand_back(exc)
        return redirect(url_for("staff.case_page", case_no=case.case_no, _anchor="reveal-form"))
    db.session.commit()
    response = render_template("personal_data/revealed.html", case=case, contacts=contacts)
    return response, 200, {"Cache-Control": "no-store"}


@blp.post("/callbacks/<int:callback_id>/contact")
@login_required("agent")
@limiter.limit("30/minute")
def reveal_callback_page(callback_id: int) -> Any:
    """The number of a callback task (回电), shown once to the agent who is to call, with the reason logged."""
    callback = db.session.get(Callback, callback_id) or abort(404)
    try:
        phone = reveal_callback_phone(callback, g.staff, _reason())
    except APIError as exc:
        db.session.rollback()
        _hand_back(exc)
        return redirect(url_for("staff.callback_detail", callback_id=callback.id, _anchor="reveal-form"))
    db.session.commit()
    response = render_template("personal_data/revealed_callback.html", callback=callback, phone=phone)
    return response, 200, {"Cache-Control": "no-store"}


def _hand_back(exc: APIError) -> None:
    """A refused reveal goes back to the page of its form: the error shown beside the form (a "form:" flash, which
    the page header does not show), the reason chosen and typed kept."""
    flash({"message": exc.message, "reason": request.form.get("reason", "")[:32],
           "reason_text": mask_text(request.form.get("reason_text", "")[:MAX_REASON])}, REVEAL_FORM_FLASH)


def _reason() -> str:
    reason = request.form.get("reason", "")
    if reason == "other":
        reason = request.form.get("reason_text", "")
    return reason[:400]
