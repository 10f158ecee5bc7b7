"""Staff sign-in with lockout after repeated failures (shared by the token API and the console)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from service_api.audit.actions import AuditAction
from service_api.audit.record import SYSTEM, Actor, record
from service_api.auth.passwords import hash_password, verify_password
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import STAFF_ROLES, Department, StaffUser, utcnow
from service_api.security.passwords import password_problems

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
# Verifying against a dummy hash keeps the timing of unknown and known usernames alike.
_DUMMY_HASH = hash_password("not-a-real-password")


def _failed(username: str, reason: str, user: StaffUser | None = None) -> None:
    record(AuditAction.SIGN_IN_FAILED, object_type="staff_user", object_id=username, reason=reason,
           actor=Actor.of_staff(user) if user is not None else Actor(SYSTEM, name=username[:64]))
    db.session.commit()


def authenticate(username: str, password: str, *, via: str = "console") -> StaffUser:
    user = db.session.query(StaffUser).filter_by(username=username).one_or_none()
    now = utcnow()
    if user is None or not user.active:
        verify_password(_DUMMY_HASH, password)
        _failed(username, "用户不存在或已停用")
        raise APIError(401, "bad_credentials", "用户名或密码错误")
    if user.locked_until is not None and user.locked_until > now:
        _failed(username, "账号已锁定", user)
        raise APIError(423, "account_locked", "登录失败次数过多，账号已临时锁定，请稍后再试")
    if not verify_password(user.password_hash, password):
        user.failed_logins += 1
        if user.failed_logins >= MAX_FAILURES:
            user.locked_until = now + LOCKOUT
            user.failed_logins = 0
        _failed(username, "密码错误", user)
        raise APIError(401, "bad_credentials", "用户名或密码错误")
    user.failed_logins = 0
    user.locked_until = None
    record(AuditAction.SIGN_IN, object_type="staff_user", object_id=user.username, actor=Actor.of_staff(user),
           detail={"via": via})
    db.session.commit()
    return user


def create_staff_user(username: str, password: str, role: str, *, display_name: str = "",
                      department_code: str | None = None, initial: bool = False) -> StaffUser:
    """`initial`: a password the user did not choose (generated, or the demo's): the rules do not apply to it,
    and in production it must be changed at the first sign-in."""
    if role not in STAFF_ROLES:
        raise ValueError(f"role must be one of {', '.join(STAFF_ROLES)}")
    problems = [] if initial else password_problems(password, username)
    if problems:
        raise ValueError("；".join(problems))
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
                     display_name=display_name or username, department_id=department_id,
                     must_change_password=initial and current_app.extensions["settings"].production)
    db.session.add(user)
    db.session.commit()
    return user
