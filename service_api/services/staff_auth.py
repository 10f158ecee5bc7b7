"""Staff sign-in with lockout after repeated failures (shared by the token API and the console)."""

from __future__ import annotations

from datetime import timedelta

from service_api.auth.passwords import hash_password, verify_password
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import STAFF_ROLES, Department, StaffUser, utcnow

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Verifying against a dummy hash keeps the timing of unknown and known usernames alike.
_DUMMY_HASH = hash_password("not-a-real-password")


def authenticate(username: str, password: str) -> StaffUser:
    user = db.session.query(StaffUser).filter_by(username=username).one_or_none()
    now = utcnow()
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        raise APIError(401, "bad_credentials", "用户名或密码错误")
    if user.locked_until is not None and user.locked_until > now:
        raise APIError(423, "account_locked", "登录失败次数过多，账号已临时锁定，请稍后再试")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        db.session.commit()
        raise APIError(401, "bad_credentials", "用户名或密码错误")
    user.failed_logins = 0
    user.locked_until = None
    db.session.commit()
    return user


def create_staff_user(username: str, password: str, role: str, *, display_name: str = "",
                      department_code: str | None = None) -> StaffUser:
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    if len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    if db.session.query(StaffUser).filter_by(username=username).one_or_none() is not None:
        raise ValueError(f"user {username!r} already exists")
    department_id = None
    if department_code:
        department = db.session.query(Department).filter_by(code=department_code).one_or_none()
        if department is None:
            raise ValueError(f"unknown department {department_code!r}")
        department_id = department.id
    if role == "handler" and department_id is None:
        raise ValueError("a handler needs --department")
    user = StaffUser(username=username, password_hash=hash_password(password), role=role,
                     display_name=display_name or username, department_id=department_id)
    db.session.add(user)
    db.session.commit()
    return user
