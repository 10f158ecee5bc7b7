"""How console pages fail: an API error, 403/404 and an expired form token become a page in Chinese (JSON under
/staff/api/), a refused filter links back to the bare page, and an expired form keeps what was typed."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import flash, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from service_api.errors import APIError
from service_api.staff.auth import load_staff, safe_next
from service_api.staff.calls import call_form
from service_api.staff.console import blp
from service_api.staff.forms import labelled, typed_fields
from service_api.staff.signin import login_page

# Pages whose query is a filter checked like the API's (forms.checked_args), and where their error page leads back to.
FILTER_PAGES = {"staff.stats_page": "staff.stats_page", "staff.stats_export": "staff.stats_page",
                "staff.cases": "staff.cases", "staff.map_page": "staff.map_page"}


@blp.errorhandler(APIError)
def api_error(exc: APIError) -> Any:
    if request.path.startswith("/staff/api/"):
        body = {"status": exc.status, "code": exc.code, "message": exc.message}
        return jsonify(body), exc.status
    back = None
    if exc.status == 422 and request.endpoint in FILTER_PAGES:  # a refused filter: start that page over
        back = (url_for(FILTER_PAGES[request.endpoint]), "清除筛选条件重新查询")
    return render_template("staff/error.html", status=exc.status, message=exc.message, back=back), exc.status


@blp.errorhandler(403)
@blp.errorhandler(404)
def http_error(exc: HTTPException) -> Any:
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
    typed = typed_fields()
    if load_staff() is None:  # the blueprint's own before_request did not run: the token check came first
        # 401: sign in again; a sign-in form that expired itself was a bad request (nothing was checked)
        return login_page(drafts=typed, expired=True, next_path=_resume_path(),
                          status=400 if request.endpoint == "staff.login" else 401)
    if request.endpoint == "staff.call_save":
        flash("页面已过期（安全令牌失效），来电内容已保留，请核对后再次保存。", "error")
        return call_form(typed, status=400)
    return render_template("staff/error.html", status=400, typed=labelled(typed),
                           message="页面已过期（安全令牌失效），操作未执行。请返回刷新页面后重试。"), 400


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
