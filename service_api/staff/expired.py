"""An expired or missing form token on a console page (the session ran out, the page sat open too long): said in
Chinese, with what was typed kept: the call form comes back filled in, and signing in again resumes it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import flash, jsonify, render_template, request, url_for
from flask_wtf.csrf import CSRFError

from service_api.staff.auth import load_staff, safe_next
from service_api.staff.calls import call_form
from service_api.staff.console import blp
from service_api.staff.forms import labelled, typed_fields
from service_api.staff.signin import login_page


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
