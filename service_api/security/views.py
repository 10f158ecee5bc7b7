"""/staff/security: changing one's password, enrolling a TOTP authenticator, and the second sign-in step."""

from __future__ import annotations

from typing import Any

from flask import Response, flash, g, redirect, render_template, request, session, url_for

from service_api.audit.actions import AuditAction
from service_api.audit.record import Actor, record
from service_api.auth.passwords import hash_password, verify_password
from service_api.extensions import db, limiter
from service_api.models import STAFF_ROLES, StaffUser, utcnow
from service_api.security import totp
from service_api.security.passwords import password_problems
from service_api.security.second_factor import PENDING_SECONDS
from service_api.staff.auth import HOME_BY_ROLE, fingerprint, login_required, safe_next, sign_in
from service_api.staff.pages import staff_page_blueprint

blp = staff_page_blueprint("security_pages", __name__, "/staff/security")


@blp.route("/second-factor", methods=["GET", "POST"])
@limiter.limit("10/minute", methods=["POST"])
def second_factor() -> Any:
    signed_in = g.get("staff")
    if signed_in is not None and session.get("pending_staff") is None:  # nothing to ask: keep the session
        return redirect(url_for(HOME_BY_ROLE.get(signed_in.role, "staff.cases")))
    user_id, started = session.get("pending_staff"), session.get("pending_at")
    user = db.session.get(StaffUser, int(user_id)) if isinstance(user_id, int) else None
    if (user is None or not user.active or session.get("pending_pv") != fingerprint(user)
            or not isinstance(started, int) or utcnow().timestamp() - started > PENDING_SECONDS):
        session.clear()
        flash("请重新输入用户名和密码。", "info")
        return redirect(url_for("staff.login"))
    error = None
    if request.method == "POST":
        if totp.verify_user_code(user, request.form.get("code", "")[:16]):
            db.session.commit()
            sign_in(user)
            return redirect(safe_next(request.args.get("next")) or url_for(HOME_BY_ROLE[user.role]))
        record(AuditAction.SIGN_IN_FAILED, object_type="staff_user", object_id=user.username,
               reason="动态口令错误", actor=Actor.of_staff(user))
        db.session.commit()
        error = "动态口令不正确或已使用过，请输入验证器上的最新 6 位数字"
    return render_template("security/second_factor.html", error=error), 401 if error else 200


@blp.route("/password", methods=["GET", "POST"])
@login_required(*STAFF_ROLES)  # every role, the auditor too
def password_page() -> Any:
    user: StaffUser = g.staff
    problems: list[str] = []
    if request.method == "POST":
        current, new = request.form.get("current", "")[:256], request.form.get("new", "")[:256]
        if not verify_password(user.password_hash, current):
            problems.append("当前密码不正确")
        elif new != request.form.get("confirm", "")[:256]:
            problems.append("两次输入的新密码不一致")
        elif new == current:
            problems.append("新密码不能与当前密码相同")
        else:
            problems = password_problems(new, user.username)
        if not problems:
            user.password_hash = hash_password(new)
            user.must_change_password = False
            user.password_changed_at = utcnow()
            record(AuditAction.PASSWORD_CHANGED, object_type="staff_user", object_id=user.username)
            db.session.commit()
            sign_in(user)  # the old password's sessions end; this one goes on
            flash("密码已修改", "success")
            return redirect(url_for(HOME_BY_ROLE[user.role]))
    return render_template("security/password.html", problems=problems, forced=user.must_change_password), \
        422 if problems else 200


@blp.route("/totp", methods=["GET", "POST"])
@login_required(*STAFF_ROLES)  # every role, the auditor too
def totp_page() -> Any:
    user: StaffUser = g.staff
    error = None
    if user.totp_enabled:
        return render_template("security/totp.html", enabled=True)
    if user.totp_secret is None or request.method == "GET" and request.args.get("renew"):
        user.totp_secret = totp.new_secret()
        db.session.commit()
    secret = user.totp_secret or ""
    if request.method == "POST":
        if totp.enable(user, secret, request.form.get("code", "")[:16]):
            record(AuditAction.TOTP_ENROLLED, object_type="staff_user", object_id=user.username)
            db.session.commit()
            flash("动态口令已启用，以后登录时需要输入验证器上的 6 位数字", "success")
            return redirect(url_for(HOME_BY_ROLE[user.role]))
        error = "动态口令不正确，请输入验证器上显示的最新 6 位数字"
    return render_template("security/totp.html", enabled=False, secret=secret, error=error,
                           required=totp.required_for(user)), 422 if error else 200


@blp.get("/totp/qr.svg")
@login_required(*STAFF_ROLES)  # every role, the auditor too
def totp_qr() -> Response:
    user: StaffUser = g.staff
    if user.totp_enabled or not user.totp_secret:
        return Response(status=404)
    svg = totp.qr_svg(totp.provisioning_uri(user, user.totp_secret or ""))
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "no-store"
    return response
