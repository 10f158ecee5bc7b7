"""Resident sign-in: WeChat mini-program login codes and SMS one-time codes."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import requests
from flask import current_app

from service_api.auth.tokens import citizen_version, issue_citizen_token
from service_api.errors import APIError
from service_api.extensions import db
from service_api.messages import render
from service_api.models import Citizen, Notification, SmsLoginCode, utcnow
from service_api.phones import InvalidPhone, canonical_phone
from service_api.reports.accept import citizen_for_phone
from service_api.vocab import Channel, Kind

MAX_CODE_ATTEMPTS = 5
RESEND_INTERVAL = timedelta(seconds=60)


def citizen_token(citizen: Citizen) -> str:
    """The bearer token of a signed-in resident, valid as long as this account exists (see principal)."""
    return issue_citizen_token(citizen.id, citizen_version(citizen.created_at))


def wechat_login(code: str) -> Citizen:
    """Exchange a wx.login code for the openid via jscode2session (endpoint configurable)."""
    settings = current_app.extensions["settings"]
    try:
        response = requests.get(
            settings.wechat_api_base.rstrip("/") + "/sns/jscode2session",
            params={"appid": settings.wechat_appid, "secret": settings.wechat_secret, "js_code": code,
                    "grant_type": "authorization_code"},
            timeout=5,
        )
        payload = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise APIError(503, "wechat_unavailable", "微信登录服务暂时不可用，请稍后再试") from exc
    openid = payload.get("openid")
    if not openid:
        raise APIError(401, "wechat_code_invalid", f"微信登录凭证无效（{payload.get('errcode', '')}）")
    citizen = db.session.query(Citizen).filter_by(wechat_openid=openid).one_or_none()
    if citizen is None:
        citizen = Citizen(wechat_openid=openid)
        db.session.add(citizen)
        db.session.commit()
    return citizen


def _canonical(phone: str) -> str:
    try:
        canonical = canonical_phone(phone)
    except InvalidPhone as exc:
        raise APIError(422, "bad_phone", f"手机号{exc}", {"phone": [str(exc)]}) from exc
    if canonical is None:
        raise APIError(422, "bad_phone", "请填写手机号", {"phone": ["required"]})
    return canonical


def send_sms_code(phone: str) -> None:
    """Create a one-time code and queue it as an urgent SMS (quiet hours do not delay it)."""
    phone = _canonical(phone)  # one number, one code and one resident however it was typed
    now = utcnow()
    recent = db.session.query(SmsLoginCode).filter(
        SmsLoginCode.phone == phone, SmsLoginCode.created_at > now - RESEND_INTERVAL).first()
    if recent is not None:
        raise APIError(429, "code_recently_sent", "验证码已发送，请 60 秒后再试")
    code, ttl = _new_code(phone, now)
    # The only clear copy of the code: the outbox masks it once the SMS went out or failed for good.
    db.session.add(Notification(kind=Kind.LOGIN_CODE, channel=Channel.SMS, recipient=phone, urgent=True,
                                body=render(Kind.LOGIN_CODE, code=code, minutes=ttl // 60)))
    db.session.commit()


def _code_hash(phone: str, code: str) -> str:
    """What is stored of a code: keyed (SECRET_KEY), so a copy of the table cannot be tried against all million
    codes; bound to the number, so a code is good for its own phone only."""
    key = current_app.extensions["settings"].secret_key.encode()
    return hmac.new(key, f"sms-code|{phone}|{code}".encode(), hashlib.sha256).hexdigest()


def _new_code(phone: str, now: datetime) -> tuple[str, int]:
    """A fresh code for `phone`, kept only as its hash; returns the code and its lifetime in seconds."""
    code = f"{secrets.randbelow(1_000_000):06d}"
    ttl = current_app.extensions["settings"].sms_code_ttl_seconds
    db.session.add(SmsLoginCode(phone=phone, code_hash=_code_hash(phone, code),
                                expires_at=now + timedelta(seconds=ttl)))
    return code, ttl


class DemoOnly(Exception):
    """Sign-in codes are handed out by hand only outside production."""


def demo_sign_in_code(phone: str) -> tuple[str, str, int]:
    """For whoever runs a demo without an SMS provider: a new sign-in code for `phone`, given to the caller
    instead of sent (the SMS channel only logs, and never the code). Refused in production, where the code
    reaches no one but the phone's owner. Returns the number (E.164), the code and its lifetime in seconds."""
    if current_app.extensions["settings"].production:
        raise DemoOnly("ENV=production：验证码只发送到手机，不能在这里查看")
    phone = _canonical(phone)
    code, ttl = _new_code(phone, utcnow())
    db.session.commit()
    return phone, code, ttl


def sms_login(phone: str, code: str) -> Citizen:
    phone = _canonical(phone)
    now = utcnow()
    row = db.session.query(SmsLoginCode).filter(
        SmsLoginCode.phone == phone, SmsLoginCode.used.is_(False), SmsLoginCode.expires_at > now,
    ).order_by(SmsLoginCode.id.desc()).first()
    if row is None or row.attempts >= MAX_CODE_ATTEMPTS:
        raise APIError(401, "code_invalid", "验证码无效或已过期，请重新获取")
    if not hmac.compare_digest(row.code_hash, _code_hash(phone, code)):
        row.attempts += 1
        db.session.commit()
        raise APIError(401, "code_invalid", "验证码不正确")
    row.used = True
    citizen = citizen_for_phone(phone)
    db.session.commit()
    return citizen
