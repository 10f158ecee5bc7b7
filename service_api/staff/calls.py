"""The hotline agent's call pages: the call form (/staff/calls/new) with its live intake preview and the
caller's history, the saved call, and the list of calls. The work itself is service_api.hotline.calls."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for

from service_api.cases.preview import preview
from service_api.cases.workflow import STATUS_TEXT
from service_api.errors import APIError
from service_api.extensions import db, limiter
from service_api.hotline import calls as hotline
from service_api.maps.tiles import with_map_point
from service_api.models import HotlineCall
from service_api.personal_data.reveal import log_caller_id, revealed_callback_recently
from service_api.privacy import mask_text
from service_api.staff.auth import login_required
from service_api.staff.console import PAGE_SIZE, blp, local_time
from service_api.staff.forms import too_long

# Longest accepted values of the call form (description: the same limit as the API's ReportCreate).
CALL_FIELD_LIMITS = {"phone": 64, "description": 4000, "address": 255, "case_ref": 40, "notes": 2000,
                     "transfer_to": 100}


def call_form(form: Any, *, phone: str | None = None, call: HotlineCall | None = None, status: int = 200) -> Any:
    phone = form.get("phone", "").strip()[:32] if phone is None else phone
    return render_template("staff/call_new.html", phone=phone, call=call, form=form,
                           call_types=hotline.CALL_TYPE_TEXT, previous=hotline.previous_reports(phone)), status


def _map_location(source: Any) -> dict[str, Any] | None:
    """The place the agent clicked on the call page's map (in the map's system), if any."""
    lat, lng = str(source.get("lat") or "").strip(), str(source.get("lng") or "").strip()
    if not lat and not lng:
        return None
    return {"lat": lat, "lng": lng, "crs": str(source.get("crs") or "cgcs2000").strip()[:16]}


@blp.get("/calls/new")
@login_required("agent")
def call_new() -> Any:
    call = None
    phone = (request.args.get("phone") or "").strip()[:32]
    if request.args.get("callback", "").isdigit():  # from a callback: its number once the agent revealed it
        callback = hotline.callback_by_id(int(request.args["callback"]))
        if callback is not None and revealed_callback_recently(callback, g.staff):
            phone = callback.phone or ""
    if request.args.get("call", "").isdigit():
        call = hotline.call_by_id(int(request.args["call"]))
        if call is not None and not phone and call.caller_phone:
            phone = call.caller_phone
            log_caller_id(call)
            db.session.commit()  # the reveal's audit entry (personal_data: the caller commits)
    return call_form({}, phone=phone, call=call)


@blp.post("/calls/new")
@login_required("agent")
def call_save() -> Any:
    form = request.form
    refused = too_long(form, CALL_FIELD_LIMITS)
    if refused:  # refuse with the text kept, never cut it short without a word (issue 17, item 19)
        flash(refused, "error")
        return call_form(form, status=422)
    data = hotline.CallInput(
        phone=form.get("phone", "").strip(), call_type=form.get("call_type", ""),
        description=form.get("description", "").strip(), address=form.get("address", "").strip() or None,
        location=_map_location(form),
        matter_code=form.get("matter_code") or None, join_case_no=form.get("join_case_no") or None,
        case_ref=form.get("case_ref", "").strip() or None, notes=form.get("notes", "").strip() or None,
        transfer_to=form.get("transfer_to", "").strip() or None,
        call_id=int(form["call_id"]) if form.get("call_id", "").isdigit() else None,
    )
    try:
        result = hotline.log_call(data, g.staff)
    except APIError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return call_form(form, phone=data.phone, status=422)
    if result.repeated:
        flash(f"该来电已于 {local_time(result.report.created_at if result.report else None, '%H:%M')} 登记，"
              "内容相同，未重复登记", "info")
    # post/redirect/get: reloading the result page must not file the call again (issue 17, item 5)
    return redirect(url_for("staff.call_saved", call_id=result.call.id), 303)


@blp.get("/calls/<int:call_id>/saved")
@login_required("agent")
def call_saved(call_id: int) -> Any:
    result = hotline.call_result(call_id) or abort(404)
    return render_template("staff/call_saved.html", result=result, call_types=hotline.CALL_TYPE_TEXT)


@blp.post("/api/preview")
@login_required("agent", "dispatcher")
@limiter.limit("240/minute")
def api_preview() -> Any:
    """The intake preview for the agent page (session + X-CSRFToken, not a bearer token)."""
    body = request.get_json(silent=True) or {}
    text = str(body.get("text") or "").strip()[:4000]
    address = str(body.get("address") or "").strip()[:255] or None
    location = _map_location(body["location"]) if isinstance(body.get("location"), dict) else None
    if not text and not address and not location:
        return jsonify(classification=None, geocode=None, nearby_cases=[])
    if location is not None:
        try:
            location.update(lat=float(location["lat"]), lng=float(location["lng"]))
        except ValueError:
            raise APIError(422, "bad_location", "位置应为经纬度数字", {"location": ["not a number"]}) from None
    return jsonify(with_map_point(preview(text or address or "", location, address)))


@blp.get("/api/history")
@login_required("agent")
def api_history() -> Any:
    """The caller's previous reports, for the agent page as the phone number is typed."""
    phone = (request.args.get("phone") or "").strip()[:32]
    return jsonify(reports=[
        {"tracking_no": r.tracking_no, "case_no": r.case.case_no if r.case else None,
         "case_url": url_for("staff.case_page", case_no=r.case.case_no) if r.case else None,
         "status_text": STATUS_TEXT.get(r.case.status, r.case.status) if r.case else "受理中",
         "description": (mask_text(r.description) or "")[:60],
         "created_at": local_time(r.created_at, "%m-%d %H:%M")}
        for r in hotline.previous_reports(phone)
    ] if len(phone) >= 5 else [])


@blp.get("/calls")
@login_required("agent")
def calls() -> Any:
    page = max(request.args.get("page", 1, type=int), 1)
    listed = hotline.call_page(page, PAGE_SIZE)
    return render_template("staff/calls.html", rows=listed.rows, reports=listed.reports, cases=listed.cases,
                           page=page, total=listed.total, pages=max((listed.total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
                           call_types=hotline.CALL_TYPE_TEXT)
