"""Staff console sessions: a signed Flask session cookie (HttpOnly, SameSite=Lax) holding the user id.

The session also keeps a fingerprint of the password hash, so changing a password signs out every browser.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, session, url_for

from service_api.extensions import db
from service_api.models import StaffUser

F = TypeVar("F", bound=Callable[..., Any])

HOME_BY_ROLE = {"agent": "staff.call_new", "dispatcher": "staff.cases", "handler": "staff.cases",
                "reviewer": "staff.stats_page", "admin": "staff.cases"}


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


def sign_out() -> None:
    session.clear()


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
                return redirect(url_for("staff.login", next=request.full_path.rstrip("?")))
            if roles and user.role not in roles and user.role != "admin":
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def safe_next(target: str | None) -> str | None:
    """Only local /staff paths: never an open redirect."""
    if target and target.startswith("/staff") and not target.startswith("//"):
        return target
    return None
