"""Scan to report (扫码报修): `/c/<code>` is what a phone camera opens from the QR code on an asset.

The page says what the asset is, where, whether a case about it is open (with its public status), and offers a
form pre-filled with the component: its place and type are the report's unless the resident says otherwise.
Owner and maintainer are not shown here (the page is public).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request

from intake.components import is_code
from service_api.auth.principal import ANONYMOUS
from service_api.components import registry
from service_api.components.vocab import STATUS_TEXT
from service_api.errors import APIError
from service_api.extensions import db, limiter
from service_api.reports.accept import DESCRIPTION_MAX, ReportInput, accept_report, process_after_accept
from service_api.vocab import STATUS_TEXT as CASE_STATUS_TEXT
from service_api.vocab import Source
from service_api.webapp.views import filed_page

blp = Blueprint("components_public", __name__, template_folder="templates")

SCAN_CHANNEL = Source.SCAN


def _component(code: str) -> Any:
    component = registry.get_component(code.strip()) if is_code(code.strip()) else None
    if component is None:
        abort(404)
    return component


def _page(component: Any, *, error: str | None = None, form: dict[str, str] | None = None,
          status: int = 200) -> tuple[str, int]:
    case = registry.open_case_of(component.code)
    return render_template(
        "components/public.html", component=component, type_name=registry.type_name(component.type_code),
        status_text=STATUS_TEXT.get(component.status, component.status), case=case,
        case_status=CASE_STATUS_TEXT.get(case.status, case.status) if case else None,
        error=error, form=form or {}, description_max=DESCRIPTION_MAX), status


@blp.get("/c/<string:code>")
@limiter.limit("60/minute")
def component_page(code: str) -> Any:
    return _page(_component(code))


@blp.post("/c/<string:code>/report")
@limiter.limit("10/minute")
def component_report(code: str) -> Any:
    component = _component(code)
    form = {key: (request.form.get(key) or "").strip() for key in ("description", "phone")}
    if not form["description"]:
        return _page(component, error="请简单描述问题，例如“灯不亮”“井盖缺失”。", form=form, status=422)
    if len(form["description"]) > DESCRIPTION_MAX:
        return _page(component, error=f"描述最多{DESCRIPTION_MAX}字，请删减后再提交。", form=form, status=422)
    data = ReportInput(description=form["description"], channel=SCAN_CHANNEL, component_code=component.code,
                       contact={"phone": form["phone"]} if form["phone"] else None)
    try:
        accepted = accept_report(data, ANONYMOUS)
    except APIError as exc:
        db.session.rollback()
        return _page(component, error=exc.message, form=form, status=exc.status)
    process_after_accept(accepted.report)
    # Not a redirect to the public page: the answer hands the report's access token to the web app on this phone
    # (in the page, never in a URL), so the resident finds it in 随手拍 “我的” and can rate it later.
    return filed_page(accepted.report.tracking_no, accepted.access_token)
