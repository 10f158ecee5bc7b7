"""Console sign-in and sign-out (/staff/login, /staff/logout) and the home page that sends each role to its
desk. What was typed on a page whose session ran out comes back through the sign-in form (forms.DRAFT_PREFIX)."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from service_api.audit.actions import AuditAction
from service_api.audit.record import record
from service_api.auth.staff import authenticate
from service_api.errors import APIError
from service_api.extensions import db, limiter
from service_api.security.second_factor import begin_second_factor
from service_api.staff.auth import HOME_BY_ROLE, load_staff, login_required, safe_next, sign_in, sign_out
from service_api.staff.calls import call_form
from service_api.staff.console import blp
from service_api.staff.forms import drafts as typed_drafts
from service_api.staff.forms import labelled


def login_page(*, error: str | None = None, drafts: dict[str, str] | None = None, expired: bool = False,
               next_path: str | None = None, status: int = 200) -> Any:
    drafts = drafts or {}
    restores = next_path == url_for("staff.call_new")
    return render_template("staff/login.html", error=error, drafts=drafts, expired=expired, restores=restores,
                           typed=[] if restores else labelled(drafts),
                           action=url_for("staff.login", next=next_path) if next_path else None), status


@blp.route("/login", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"])
def login() -> Any:
    error = None
    next_path = safe_next(request.args.get("next"))
    drafts = typed_drafts(request.form)
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
                return call_form(drafts)
            return redirect(next_path or url_for(HOME_BY_ROLE[user.role]))
    return login_page(error=error, drafts=drafts, expired=bool(drafts), next_path=next_path,
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
