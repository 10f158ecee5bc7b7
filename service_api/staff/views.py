"""Staff console pages under /staff: sign-in, hotline calls and callbacks, the case desk, statistics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_wtf.csrf import CSRFError
from marshmallow import EXCLUDE, Schema, ValidationError
from werkzeug.exceptions import HTTPException

from service_api.api.cases import CaseFilterSchema, validate_status
from service_api.api.stats import SatisfactionArgsSchema, period_from
from service_api.audit.actions import AuditAction
from service_api.audit.record import record
from service_api.auth.principal import Principal
from service_api.auth.staff import authenticate
from service_api.cases import desk, intake_runtime
from service_api.cases.preview import preview
from service_api.cases.queries import find_visible_case, get_visible_case, transition_case
from service_api.cases.workflow import REJECT_REASONS, STATUS_TEXT, TRANSITIONS, allowed_actions
from service_api.errors import APIError, validation_error
from service_api.extensions import db, limiter
from service_api.hotline import calls as hotline
from service_api.maps import areas as map_areas
from service_api.maps.filters import OPEN, OPEN_TEXT, DeskFilters, parse_desk_filters
from service_api.maps.rates import LEVELS as MAP_LEVELS
from service_api.maps.tiles import with_map_point
from service_api.models import (
    AUDITOR,
    CASE_STATUSES,
    CHANNEL_TEXT,
    CHANNELS,
    ROLE_TEXT,
    Callback,
    Case,
    CaseEvent,
    Category,
    HotlineCall,
    Photo,
    Rating,
    Report,
    StaffUser,
    utcnow,
)
from service_api.personal_data.reveal import log_caller_id, revealed_callback_recently
from service_api.photos import photo_file
from service_api.privacy import mask_name, mask_phone, mask_text, shown_actor_name
from service_api.reference.work_calendar import unknown_calendar_year
from service_api.security.second_factor import begin_second_factor
from service_api.staff.auth import (
    HOME_BY_ROLE,
    configure_cookies,
    load_staff,
    login_required,
    safe_next,
    sign_in,
    sign_out,
)
from service_api.stats import export as stats_downloads
from service_api.stats import figures as stats
from service_api.stats import indicators as stats_indicators

SHANGHAI = ZoneInfo("Asia/Shanghai")
DRAFT_PREFIX = "draft_"  # typed values carried through the sign-in form when the session ran out
NOT_KEPT = ("csrf_token", "password", "username")
# Free-text fields of console forms, named when a refused form shows back what was typed.
FIELD_TEXT = {"phone": "来电号码", "description": "反映内容", "address": "地点", "case_ref": "案件编号或受理编号",
              "notes": "备注", "transfer_to": "转办单位", "note": "说明", "outcome": "处置结果", "reason": "原因",
              "comment": "意见", "deadline": "期限"}
# Longest accepted values of the call form (description: the same limit as the API's ReportCreate).
CALL_FIELD_LIMITS = {"phone": 64, "description": 4000, "address": 255, "case_ref": 40, "notes": 2000,
                     "transfer_to": 100}
CASE_FORM_LIMITS = {"note": 2000, "outcome": 4000, "reason": 200}
STATS_ROLES = ("reviewer", "dispatcher")
PAGE_SIZE = 50

blp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates", static_folder="static",
                static_url_path="/static")
blp.record_once(lambda state: configure_cookies(state.app))


@blp.before_request
def _load_user() -> None:
    load_staff()


@blp.app_template_filter("local")
def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(SHANGHAI).strftime(fmt) if value else ""


@blp.app_template_filter("pct")
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@blp.app_template_filter("masked")
def masked(value: str | None) -> str:
    return mask_phone(value) or ""


@blp.app_template_filter("masked_text")
def masked_text(value: str | None) -> str:
    """Free text residents wrote (comments, notes) with phone and ID numbers masked."""
    return mask_text(value) or ""


@blp.context_processor
def _globals() -> dict[str, Any]:
    return {"staff": g.get("staff"), "ROLE_TEXT": ROLE_TEXT, "STATUS_TEXT": STATUS_TEXT,
            "CHANNEL_TEXT": CHANNEL_TEXT, "RATING_TEXT": stats.RATING_TEXT, "nav": _nav(g.get("staff")),
            "calendar_gap": unknown_calendar_year, "department_text": desk.department_text}


def _nav(user: Any) -> list[tuple[str, str, str]]:
    if user is None:
        return []
    if user.role == AUDITOR:
        return [("audit_pages.audit_page", "审计日志", "audit")]
    items = []
    if user.role in ("agent", "admin"):
        items += [("staff.call_new", "接听登记", "calls"), ("staff.calls", "来电记录", "calls"),
                  ("staff.callbacks", "待回电", "callbacks")]
    items.append(("staff.cases", "案件台", "cases"))
    items.append(("staff.map_page", "地图", "cases"))
    items.append(("components_staff.index", "城市部件", "components"))
    if user.role in (*STATS_ROLES, "admin"):
        items.append(("staff.stats_page", "满意度与绩效", "stats"))
    return items


@blp.errorhandler(APIError)
def _api_error(exc: APIError) -> Any:
    if request.path.startswith("/staff/api/"):
        body = {"status": exc.status, "code": exc.code, "message": exc.message}
        return jsonify(body), exc.status
    back = None
    if exc.status == 422 and request.endpoint in _FILTER_PAGES:  # a refused filter: start that page over
        back = (url_for(_FILTER_PAGES[request.endpoint]), "清除筛选条件重新查询")
    return render_template("staff/error.html", status=exc.status, message=exc.message, back=back), exc.status


# Pages whose query is a filter checked like the API's (_checked_args), and where their error page leads back to.
_FILTER_PAGES = {"staff.stats_page": "staff.stats_page", "staff.stats_export": "staff.stats_page",
                 "staff.cases": "staff.cases", "staff.map_page": "staff.map_page"}


@blp.errorhandler(403)
@blp.errorhandler(404)
def _http_error(exc: HTTPException) -> Any:
    messages = {403: "您的角色无权访问此页面", 404: "未找到该页面或记录"}
    if request.path.startswith("/staff/api/"):
        return jsonify(status=exc.code, code="forbidden" if exc.code == 403 else "not_found",
                       message=messages.get(exc.code or 0, "")), exc.code
    return render_template("staff/error.html", status=exc.code, message=messages.get(exc.code or 0, "")), exc.code


@blp.errorhandler(CSRFError)
def _csrf_error(exc: CSRFError) -> Any:
    """A missing or stale form token (the session ran out, the page sat open too long): say so in Chinese and
    keep what was typed, instead of Flask-WTF's bare English 400 (issue 17, item 18)."""
    if request.path.startswith("/staff/api/"):
        return jsonify(status=400, code="page_expired", message="页面已过期，请刷新页面后重试"), 400
    typed = _typed_fields()
    if load_staff() is None:  # the blueprint's own before_request did not run: the token check came first
        # 401: sign in again; a sign-in form that expired itself was a bad request (nothing was checked)
        return _login_page(drafts=typed, expired=True, next_path=_resume_path(),
                           status=400 if request.endpoint == "staff.login" else 401)
    if request.endpoint == "staff.call_save":
        flash("页面已过期（安全令牌失效），来电内容已保留，请核对后再次保存。", "error")
        return _call_form(typed, status=400)
    return render_template("staff/error.html", status=400, typed=_labelled(typed),
                           message="页面已过期（安全令牌失效），操作未执行。请返回刷新页面后重试。"), 400


def _typed_fields() -> dict[str, str]:
    form = request.form
    if request.endpoint == "staff.login":  # a sign-in form that itself expired: carry its drafts on
        return {k[len(DRAFT_PREFIX):]: v for k, v in form.items() if k.startswith(DRAFT_PREFIX)}
    return {k: v for k, v in form.items() if k not in NOT_KEPT and not k.startswith(DRAFT_PREFIX) and v.strip()}


def _labelled(typed: dict[str, str]) -> list[tuple[str, str]]:
    return [(FIELD_TEXT[k], v) for k, v in typed.items() if k in FIELD_TEXT]


def _resume_path() -> str | None:
    """Where to go after signing in again: the call form itself, else the page the form was on."""
    if request.endpoint == "staff.login":
        return safe_next(request.args.get("next"))
    if request.endpoint == "staff.call_save":
        return url_for("staff.call_new")
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc and referrer.netloc != request.host:
        return None
    return safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))


def _login_page(*, error: str | None = None, drafts: dict[str, str] | None = None, expired: bool = False,
                next_path: str | None = None, status: int = 200) -> Any:
    drafts = drafts or {}
    restores = next_path == url_for("staff.call_new")
    return render_template("staff/login.html", error=error, drafts=drafts, expired=expired, restores=restores,
                           typed=[] if restores else _labelled(drafts),
                           action=url_for("staff.login", next=next_path) if next_path else None), status


def _call_form(form: Any, *, phone: str | None = None, call: HotlineCall | None = None, status: int = 200) -> Any:
    phone = form.get("phone", "").strip()[:32] if phone is None else phone
    return render_template("staff/call_new.html", phone=phone, call=call, form=form,
                           call_types=hotline.CALL_TYPE_TEXT, previous=hotline.previous_reports(phone)), status


def _too_long(form: Any, limits: dict[str, int]) -> str | None:
    """The Chinese message for the first field longer than its limit, or None."""
    for name, limit in limits.items():
        length = len(form.get(name, "").strip())
        if length > limit:
            return f"{FIELD_TEXT.get(name, name)}最多 {limit} 字，现有 {length} 字，请精简后再保存（内容已保留）"
    return None


def _principal() -> Principal:
    return Principal("staff", staff=g.staff)


# -- sign-in --------------------------------------------------------------------------------------------

@blp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login() -> Any:
    error = None
    next_path = safe_next(request.args.get("next"))
    drafts = {k[len(DRAFT_PREFIX):]: v for k, v in request.form.items() if k.startswith(DRAFT_PREFIX)}
    if request.method == "POST":
        try:
            user = authenticate(request.form.get("username", "").strip()[:64], request.form.get("password", "")[:256])
        except APIError as exc:
            error = exc.message
        else:
            if user.totp_enabled:
                return begin_second_factor(user, next_path)
            sign_in(user)
            if drafts and next_path == url_for("staff.call_new") and user.role in ("agent", "admin"):
                flash("已重新登录，来电内容已恢复，请核对后保存。", "info")
                return _call_form(drafts)
            return redirect(next_path or url_for(HOME_BY_ROLE[user.role]))
    return _login_page(error=error, drafts=drafts, expired=bool(drafts), next_path=next_path,
                       status=401 if error else 200)


@blp.post("/logout")
def logout() -> Any:
    user = load_staff()
    if user is not None:
        record(AuditAction.SIGN_OUT, object_type="staff_user", object_id=user.username)
        db.session.commit()
    sign_out()
    flash("已退出登录", "info")
    return redirect(url_for("staff.login"))


@blp.get("/")
@login_required()
def home() -> Any:
    return redirect(url_for(HOME_BY_ROLE.get(g.staff.role, "staff.cases")))


# -- hotline --------------------------------------------------------------------------------------------

@blp.get("/calls/new")
@login_required("agent")
def call_new() -> Any:
    call = None
    phone = (request.args.get("phone") or "").strip()[:32]
    if request.args.get("callback", "").isdigit():  # from a callback: its number once the agent revealed it
        callback = db.session.get(Callback, int(request.args["callback"]))
        if callback is not None and revealed_callback_recently(callback, g.staff):
            phone = callback.phone or ""
    if request.args.get("call", "").isdigit():
        call = db.session.get(HotlineCall, int(request.args["call"]))
        if call is not None and not phone and call.caller_phone:
            phone = call.caller_phone
            log_caller_id(call)
            db.session.commit()
    return _call_form({}, phone=phone, call=call)


@blp.post("/calls/new")
@login_required("agent")
def call_save() -> Any:
    form = request.form
    too_long = _too_long(form, CALL_FIELD_LIMITS)
    if too_long:  # refuse with the text kept, never cut it short without a word (issue 17, item 19)
        flash(too_long, "error")
        return _call_form(form, status=422)
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
        return _call_form(form, phone=data.phone, status=422)
    if result.repeated:
        flash(f"该来电已于 {local_time(result.report.created_at if result.report else None, '%H:%M')} 登记，"
              "内容相同，未重复登记", "info")
    # post/redirect/get: reloading the result page must not file the call again (issue 17, item 5)
    return redirect(url_for("staff.call_saved", call_id=result.call.id), 303)


def _map_location(source: Any) -> dict[str, Any] | None:
    """The place the agent clicked on the call page's map (in the map's system), if any."""
    lat, lng = str(source.get("lat") or "").strip(), str(source.get("lng") or "").strip()
    if not lat and not lng:
        return None
    return {"lat": lat, "lng": lng, "crs": str(source.get("crs") or "cgcs2000").strip()[:16]}


@blp.get("/calls/<int:call_id>/saved")
@login_required("agent")
def call_saved(call_id: int) -> Any:
    call = db.session.get(HotlineCall, call_id) or abort(404)
    report = db.session.get(Report, call.report_id) if call.report_id else None
    case = db.session.get(Case, call.case_id) if call.case_id else (report.case if report else None)
    result = hotline.CallResult(call, report, case)
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
    query = db.session.query(HotlineCall).order_by(HotlineCall.created_at.desc(), HotlineCall.id.desc())
    total = query.count()
    rows = query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).all()
    report_ids = [c.report_id for c in rows if c.report_id]
    case_ids = [c.case_id for c in rows if c.case_id]
    reports = {r.id: r for r in db.session.query(Report).filter(Report.id.in_(report_ids))}
    cases = {c.id: c for c in db.session.query(Case).filter(Case.id.in_(case_ids))}
    return render_template("staff/calls.html", rows=rows, reports=reports, cases=cases, page=page, total=total,
                           pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1), call_types=hotline.CALL_TYPE_TEXT)


@blp.get("/callbacks")
@login_required("agent")
def callbacks() -> Any:
    rows = hotline.due_callbacks()
    cases = {c.id: c for c in db.session.query(Case).filter(Case.id.in_([r.case_id for r in rows if r.case_id]))}
    return render_template("staff/callbacks.html", rows=rows, cases=cases, kinds=hotline.CALLBACK_KIND_TEXT,
                           now=utcnow(), recent=hotline.recent_callbacks(), chats=hotline.chat_handoffs())


@blp.route("/callbacks/<int:callback_id>", methods=["GET", "POST"])
@login_required("agent")
def callback_detail(callback_id: int) -> Any:
    callback = db.session.get(Callback, callback_id) or abort(404)
    if request.method == "POST":
        form = request.form
        solved = {"yes": True, "no": False}.get(form.get("solved", ""))
        outcome = hotline.CallbackOutcome(result=form.get("result", ""), outcome=form.get("outcome", "")[:2000],
                                          rating=form.get("rating") or None, solved=solved,
                                          comment=form.get("comment", "")[:1000] or None)
        try:
            hotline.record_callback(callback, outcome, g.staff)
        except APIError as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return redirect(url_for("staff.callback_detail", callback_id=callback_id))
        flash("回电结果已保存", "success")
        return redirect(url_for("staff.callbacks"))
    case = db.session.get(Case, callback.case_id) if callback.case_id else None
    call = db.session.query(HotlineCall).filter_by(caller_phone=callback.phone).order_by(
        HotlineCall.id.desc()).first() if callback.kind == "voice_recording" and callback.phone else None
    return render_template("staff/callback.html", callback=callback, case=case, call=call,
                           chat_only=hotline.is_chat_only(callback), chat_line_text=hotline.chat_line_text,
                           kinds=hotline.CALLBACK_KIND_TEXT, results=hotline.CALLBACK_RESULTS,
                           ratings=stats.RATING_TEXT)


# -- case desk ------------------------------------------------------------------------------------------

def _parse_date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


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
    page = min(_checked_args(CaseFilterSchema())["page"], pages)  # a page past the end is the last one
    rows = query.order_by(Case.created_at.desc(), Case.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE).all()
    now = utcnow()
    return render_template(
        "staff/cases.html", rows=rows, total=total, page=page, pages=pages,
        queue=queue, queues=desk.QUEUES, counts=desk.queue_counts(g.staff), filters=filters,
        lights={c.id: desk.deadline_light(c, now) for c in rows}, matters=_matter_names([c.matter_code for c in rows]),
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
    checked = _checked_args(CaseFilterSchema())
    status = checked.get("status")
    if status != OPEN:
        validate_status(status)
    queue = args.get("queue", "").strip()
    if queue and queue not in desk.QUEUES:
        raise APIError(422, "unknown_queue", f"未知的工作队列 {queue!r}", {"queue": [queue]})
    return parse_desk_filters(args)


def _matter_names(codes: list[str | None]) -> dict[str, str]:
    present = [c for c in codes if c]
    if not present:
        return {}
    return dict(db.session.query(Category.code, Category.name).filter(Category.code.in_(present)).all())


@blp.get("/cases/<case_no>")
@login_required()
def case_page(case_no: str) -> Any:
    case = get_visible_case(case_no, g.staff)
    if case_no != case.case_no:  # typed with full-width dashes, lower case…: one address per case
        return redirect(url_for("staff.case_page", case_no=case.case_no))
    reports = db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()
    events = db.session.query(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id).all()
    ratings = {r.report_id: r for r in db.session.query(Rating).filter_by(case_id=case.id,
                                                                         round=case.reopen_count + 1)}
    actions = [TRANSITIONS[a] for a in allowed_actions(case, g.staff.role)]
    matter = db.session.get(Category, case.matter_code) if case.matter_code else None
    role = g.staff.role
    return render_template(
        "staff/case.html", case=case, reports=reports, events=events, ratings=ratings, actions=actions,
        places=_place_names(case), in_served_area=map_areas.in_served_area(intake_runtime.geocoder().gaz,
                                                                          case.lat, case.lng),
        event_who=_event_who(events, reports), event_notes=_event_notes(events),
        matter=matter, light=desk.deadline_light(case), reject_reasons=REJECT_REASONS,
        departments=desk.department_choices(), matters=desk.matter_choices(), event_text=desk.EVENT_TEXT,
        transition_labels={t.action: t.label for t in TRANSITIONS.values()}, mask_name=mask_name,
        actor_name=shown_actor_name,
        candidates=_candidates(reports), can_change_matter=role in ("agent", "dispatcher", "admin"),
        can_change_department=role in ("dispatcher", "admin"), can_split=role in ("dispatcher", "admin"),
    )


def _place_names(case: Case) -> list[tuple[str, str, str]]:
    """(level, name, code) of the case's street, community and grid: staff read names, with the code beside."""
    gazetteer = intake_runtime.geocoder().gaz
    return [(label, gazetteer.area_name(code) or "", code) for label, code in (
        ("街道", case.street_code), ("社区", case.community_code), ("网格", case.grid_code)) if code]


def _event_who(events: list[CaseEvent], reports: list[Report]) -> dict[int, str]:
    """Who took a report in (受理): its channel, and for the hotline the agent who took the call; the event itself
    names the resident (or nobody), which read as if the resident had logged the call."""
    by_id = {r.id: r for r in reports}
    agent_ids = {r.extra.get("agent_id") for r in reports if isinstance(r.extra, dict) and r.extra.get("agent_id")}
    agents = {u.id: u for u in db.session.query(StaffUser).filter(StaffUser.id.in_(agent_ids))} if agent_ids else {}
    who: dict[int, str] = {}
    for event in events:
        report = by_id.get(event.report_id or 0)
        if event.action != "receive" or report is None:
            continue
        channel = CHANNEL_TEXT.get(report.channel, report.channel)
        agent = agents.get((report.extra or {}).get("agent_id"))
        if agent is not None:
            who[event.id] = f"{channel}·{ROLE_TEXT[agent.role]} {agent.display_name or agent.username}"
        else:
            name = mask_name(report.contact_name)
            who[event.id] = f"{channel}·居民{' ' + name if name else ''}"
    return who


def _event_notes(events: list[CaseEvent]) -> dict[int, str]:
    """Notes shown in words where the event stored a code: a rejection's reason (REJECT_REASONS)."""
    notes: dict[int, str] = {}
    for event in events:
        reason = (event.data or {}).get("reason") if event.action == "reject" else None
        if reason:
            own = event.note if event.note and event.note != reason else None
            notes[event.id] = REJECT_REASONS.get(reason, reason) + (f"（{own}）" if own else "")
    return notes


def _candidates(reports: list[Report]) -> list[dict[str, Any]]:
    """Intake's matter candidates of the case's first report (for manual triage)."""
    for report in reports:
        if report.candidates:
            return [c for c in report.candidates if isinstance(c, dict)][:5]
    return []


def _local_deadline(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=SHANGHAI)
    except ValueError as exc:
        raise APIError(422, "bad_deadline", "期限格式不正确") from exc


@blp.post("/cases/<case_no>/transition")
@login_required()
def case_transition(case_no: str) -> Any:
    form = request.form
    too_long = _too_long(form, CASE_FORM_LIMITS)
    if too_long:
        return render_template("staff/error.html", status=422, message=too_long,
                               typed=_labelled(_typed_fields())), 422
    data = {"action": form.get("action", ""), "note": form.get("note", "").strip() or None,
            "outcome": form.get("outcome", "").strip() or None,
            "department": form.get("department") or None, "reason": form.get("reason", "").strip() or None}
    try:
        data["deadline"] = _local_deadline(form.get("deadline"))
        transition_case(case_no, data, g.staff, _principal())
    except APIError as exc:
        db.session.rollback()
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    else:
        flash(f"已执行「{TRANSITIONS[data['action']].label}」", "success")
    return redirect(url_for("staff.case_page", case_no=case_no))


@blp.post("/cases/<case_no>/matter")
@login_required("agent", "dispatcher")
def case_matter(case_no: str) -> Any:
    return _correction(case_no, lambda case: desk.change_matter(case, request.form.get("matter", "").strip(),
                                                                 request.form.get("reason"), g.staff), "事项已更改")


@blp.post("/cases/<case_no>/department")
@login_required("dispatcher")
def case_department(case_no: str) -> Any:
    return _correction(case_no, lambda case: desk.change_department(case, request.form.get("department", ""),
                                                                     request.form.get("reason"), g.staff), "部门已更改")


@blp.post("/cases/<case_no>/split")
@login_required("dispatcher")
def case_split(case_no: str) -> Any:
    report_id = request.form.get("report_id", type=int) or 0

    def split(case: Case) -> None:
        new_case = desk.split_report(case, report_id, request.form.get("reason"), g.staff)
        flash(f"已拆分为新案件 {new_case.case_no}", "success")

    return _correction(case_no, split, None)


def _correction(case_no: str, change: Any, message: str | None) -> Any:
    case = get_visible_case(case_no, g.staff)
    try:
        change(case)
    except APIError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        if message:
            flash(message, "success")
    return redirect(url_for("staff.case_page", case_no=case_no))


@blp.get("/photos/<photo_id>")
@blp.get("/photos/<photo_id>/<any(thumb, full):kind>")
@login_required()
def photo(photo_id: str, kind: str = "full") -> Response:
    row = db.session.get(Photo, photo_id) or abort(404)
    path = photo_file(row, kind)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=86400, etag=row.sha256 + kind)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


# -- statistics -----------------------------------------------------------------------------------------

def _checked_args(schema: Schema) -> dict[str, Any]:
    """The page's query checked as the API checks it: a bad filter is a 422 with the API's message, never quietly
    replaced by a default (the page would show, export and audit other figures than the ones asked for). An empty
    form field is no filter."""
    raw = {key: value for key, value in request.args.items() if value.strip()}
    try:
        return schema.load(raw, unknown=EXCLUDE)
    except ValidationError as exc:
        raise validation_error(exc.normalized_messages()) from exc


def _stats_args() -> tuple[stats.Period, str, str]:
    """Period, grouping and basis as GET /api/v1/stats/satisfaction takes them (same schema, same 422s)."""
    args = _checked_args(SatisfactionArgsSchema())
    return period_from(args.get("from_"), args.get("to")), args["group_by"], args["basis"]


@blp.get("/stats")
@login_required(*STATS_ROLES)
def stats_page() -> Any:
    period, group_by, basis = _stats_args()
    page = stats.page_figures(period, group_by, basis)
    result, trend, by_department = page.result, page.trend, page.by_department
    chart = {
        "trend": {"labels": [r.label for r in trend.rows],
                  "satisfaction": [r.satisfaction_rate for r in trend.rows],
                  "closed_rate": [r.closed_rate for r in trend.rows],
                  "on_time": [r.on_time_close_rate for r in trend.rows],
                  "cases": [r.cases for r in trend.rows]},
        "departments": {"labels": [r.label for r in by_department.rows if r.rated],
                        "satisfaction": [r.satisfaction_rate for r in by_department.rows if r.rated]},
    }
    from service_api.learning.accuracy import weekly_accuracy
    from service_api.learning.loop import latest_run

    return render_template(
        "staff/stats.html", result=result, period=period, group_by=group_by, groups=stats.GROUP_TEXT, chart=chart,
        intake_weeks=weekly_accuracy(utcnow()), intake_run=latest_run(),
        worst=page.worst, comments=page.comments, basis=basis, bases=stats_indicators.BASES, map_levels=MAP_LEVELS,
        ind=stats_indicators.BY_NAME, indicators=stats_indicators.INDICATORS,
        export_args={"from": period.start.isoformat(), "to": period.end.isoformat(), "group_by": group_by,
                     "basis": basis},
    )


@blp.get("/stats/export.<any(csv, xlsx):fmt>")
@login_required(*STATS_ROLES)
def stats_export(fmt: str) -> Response:
    period, group_by, basis = _stats_args()
    result = stats.compute(period, group_by, basis=basis)
    comments = stats.unsatisfied_comments(period, limit=1000, basis=basis)
    name = f"satisfaction_{group_by}_{basis}_{period.start:%Y%m%d}_{period.end:%Y%m%d}.{fmt}"
    record(AuditAction.EXPORT, object_type="stats", object_id=name, detail={
        "format": fmt, "from": period.start.isoformat(), "to": period.end.isoformat(), "group_by": group_by,
        "basis": basis, "comments": len(comments)})
    db.session.commit()
    if fmt == "csv":
        # content_type as is: a `mimetype` of text/* gets "; charset=utf-8" added by Flask a second time
        response = Response(stats_downloads.to_csv(result, comments), content_type="text/csv; charset=utf-8")
    else:
        response = Response(stats_downloads.to_xlsx(result, comments),
                            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


