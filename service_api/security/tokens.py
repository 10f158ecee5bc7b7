"""What a staff bearer token needs beyond the password: the same second factor and password state as the console."""

from __future__ import annotations

from service_api.audit.actions import AuditAction
from service_api.audit.record import Actor, record
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import StaffUser
from service_api.security import totp


def second_factor_for_token(user: StaffUser, code: str | None) -> None:
    if user.must_change_password:
        raise APIError(403, "password_change_required", "请先在工作台（/staff/security/password）修改初始密码")
    if user.totp_enabled:
        if not code:
            raise APIError(401, "totp_required", "该账号已启用动态口令，请在 totp 字段中填写验证器上的 6 位数字")
        if not totp.verify_user_code(user, code):
            record(AuditAction.SIGN_IN_FAILED, object_type="staff_user", object_id=user.username,
                   reason="动态口令错误", actor=Actor.of_staff(user))
            db.session.commit()
            raise APIError(401, "bad_totp", "动态口令不正确或已使用过")
        db.session.commit()
    elif totp.required_for(user):
        raise APIError(403, "totp_enrolment_required", "您的角色必须先在工作台（/staff/security/totp）启用动态口令")
