"""Staff console sessions: a signed Flask session cookie (HttpOnly, SameSite=Lax) holding the user id.

The session also keeps a fingerprint of the password hash, so changing a password signs out every browser.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, flash, g, redirect, request, session, url_for

from service_api.extensions import db
from service_api.models import AUDITOR, StaffUser, utcnow

F = TypeVar("F", bound=Callable[..., Any])

HOME_BY_ROLE = {"agent": "staff.call_new", "dispatcher": "staff.cases", "handler": "staff.cases",
                "reviewer": "staff.stats_page", "admin": "staff.cases", AUDITOR: "audit_pages.audit_page"}


def configure_cookies(app: Any) -> None:
    """Session cookie flags for the console (called once when the blueprint is registered)."""
    if app.config.get("SESSION_COOKIE_SAMESITE") is None:
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    settings = app.extensions.get("settings")
    if settings is not None:
        if settings.public_base_url.startswith("https://"):
            app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=settings.staff_token_max_age_hours)


def fingerprint(user: StaffUser) -> str:
    return user.password_hash[-12:]


def sign_in(user: StaffUser) -> None:
    session.clear()  # no session fixation: a fresh session (and CSRF token) on every sign-in
    session.permanent = True
    session["staff_id"] = user.id
    session["pv"] = fingerprint(user)
    now = int(utcnow().timestamp())
    session["since"] = session["seen"] = now


def sign_out() -> None:
    session.clear()


def _session_expired() -> bool:
    """Idle longer than STAFF_IDLE_TIMEOUT_MINUTES, or signed in longer than STAFF_TOKEN_MAX_AGE_HOURS."""
    settings = current_app.extensions["settings"]
    now = utcnow().timestamp()
    seen, since = session.get("seen"), session.get("since")
    if not isinstance(seen, int) or not isinstance(since, int):
        return True  # a session from before the timeouts: sign in again
    return (now - seen > settings.staff_idle_timeout_minutes * 60
            or now - since > settings.staff_token_max_age_hours * 3600)


def load_staff() -> StaffUser | None:
    """The signed-in user of this request (always re-read: g may outlive one request in tests)."""
    g.staff = None
    staff_id = session.get("staff_id")
    if staff_id is None:
        return None
    user = db.session.get(StaffUser, int(staff_id))
    if user is None or not user.active or fingerprint(user) != session.get("pv"):
        session.clear()
        return None
    if _session_expired():
        from service_api.audit.actions import AuditAction
        from service_api.audit.record import Actor, record

        record(AuditAction.SESSION_EXPIRED, object_type="staff_user", object_id=user.username,
               actor=Actor.of_staff(user))
        db.session.commit()
        session.clear()
        g.session_timed_out = True
        return None
    session["seen"] = int(utcnow().timestamp())
    g.staff = user
    return user


def login_required(*roles: str) -> Callable[[F], F]:
    """Redirect to sign-in when nobody is signed in; 403 when the role may not use the page (admin may)."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = g.get("staff")
            if user is None:
                if request.path.startswith("/staff/api/"):
                    abort(401)
                if g.get("session_timed_out"):
                    flash("长时间未操作或登录时间过长，已自动退出，请重新登录。", "info")
                return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
            detour = _security_detour(user)
            if detour is not None:
                return detour
            if user.role == AUDITOR and AUDITOR not in roles:  # the auditor sees the audit trail only
                abort(403)
            if roles and user.role not in roles and user.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _security_detour(user: StaffUser) -> Any:
    """A password that must be changed, or a second factor the role requires, comes before any other page."""
    if (request.endpoint or "").startswith("security_pages."):
        return None
    from service_api.security.totp import required_for

    if user.must_change_password:
        if request.path.startswith("/staff/api/"):
            abort(403)
        return redirect(url_for("security_pages.password_page"))
    if required_for(user) and not user.totp_enabled:
        if request.path.startswith("/staff/api/"):
            abort(403)
        return redirect(url_for("security_pages.totp_page"))
    return None


def safe_next(target: str | None) -> str | None:
    """Only local /staff paths: never an open redirect."""
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return None
