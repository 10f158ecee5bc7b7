"""Sign-in for residents (WeChat, SMS code) and staff (username and password) → bearer tokens."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth import resident as resident_auth
from service_api.auth.staff import authenticate
from service_api.auth.tokens import issue_staff_token
from service_api.extensions import limiter
from service_api.schemas.common import PhoneField
from service_api.security.tokens import second_factor_for_token

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录")


class WechatLoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class PhoneSchema(Schema):
    phone = PhoneField(required=True, allow_none=False)


class SmsLoginSchema(PhoneSchema):
    code = fields.String(required=True, validate=validate.Regexp(r"^\d{6}$", error="验证码应为6位数字"))


class StaffLoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, validate=validate.Length(min=1, max=256))
    totp = fields.String(validate=validate.Length(max=16),
                         metadata={"description": "动态口令（已启用双因素登录的账号必填）"})


class TokenSchema(Schema):
    access_token = fields.String()
    token_type = fields.String()
    citizen_id = fields.Integer()
    role = fields.String()


@blp.route("/wechat")
class WechatLogin(MethodView):
    @blp.arguments(WechatLoginSchema)
    @blp.response(200, TokenSchema)
    @limiter.limit("30/minute")
    def post(self, data: dict[str, Any]) -> Any:
        """用小程序 wx.login 的 code 换取居民令牌。"""
        citizen = resident_auth.wechat_login(data["code"])
        return {"access_token": resident_auth.citizen_token(citizen), "token_type": "Bearer", "citizen_id": citizen.id}


@blp.route("/sms-code")
class SmsCode(MethodView):
    @blp.arguments(PhoneSchema)
    @blp.response(202)
    @limiter.limit("5/minute")
    def post(self, data: dict[str, Any]) -> Any:
        """发送短信验证码。"""
        resident_auth.send_sms_code(data["phone"])
        return {"status": "sent"}


@blp.route("/sms-login")
class SmsLogin(MethodView):
    @blp.arguments(SmsLoginSchema)
    @blp.response(200, TokenSchema)
    @limiter.limit("20/minute")
    def post(self, data: dict[str, Any]) -> Any:
        """用短信验证码登录。"""
        citizen = resident_auth.sms_login(data["phone"], data["code"])
        return {"access_token": resident_auth.citizen_token(citizen), "token_type": "Bearer", "citizen_id": citizen.id}


@blp.route("/staff-token")
class StaffToken(MethodView):
    @blp.arguments(StaffLoginSchema)
    @blp.response(200, TokenSchema)
    @limiter.limit("20/minute")
    def post(self, data: dict[str, Any]) -> Any:
        """工作人员用户名密码换取令牌（连续失败将临时锁定）。"""
        user = authenticate(data["username"], data["password"], via="token")
        second_factor_for_token(user, data.get("totp"))
        return {"access_token": issue_staff_token(user.id, user.password_hash), "token_type": "Bearer",
                "role": user.role}
