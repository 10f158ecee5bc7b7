"""TOTP second factor (RFC 6238, pyotp): enrolment with a QR code, and one-time use of each code."""

from __future__ import annotations

import io

import pyotp
import segno
from flask import current_app

from service_api.models import StaffUser, utcnow

ISSUER = "城市运行管理服务平台"
WINDOW = 1  # one 30-second step either side: phones whose clocks are a little off


def required_for(user: StaffUser) -> bool:
    roles = current_app.extensions["settings"].totp_required_roles
    return user.role in {r.strip() for r in roles.split(",") if r.strip()}


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: StaffUser, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(uri: str) -> bytes:
    out = io.BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2)
    return out.getvalue()


def _matching_step(secret: str, code: str) -> int | None:
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = utcnow()
    for offset in range(-WINDOW, WINDOW + 1):
        step = totp.timecode(now) + offset
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def check_code(secret: str, code: str, last_step: int | None) -> int | None:
    """The time step of `code` if it is valid now and newer than the last code used (no replay), else None."""
    step = _matching_step(secret, code)
    if step is None or (last_step is not None and step <= last_step):
        return None
    return step


def verify_user_code(user: StaffUser, code: str) -> bool:
    """Check a signed-in user's code and use it up (the caller commits)."""
    if not user.totp_enabled or not user.totp_secret:
        return False
    step = check_code(user.totp_secret, code, user.totp_last_step)
    if step is None:
        return False
    user.totp_last_step = step
    return True


def enable(user: StaffUser, secret: str, code: str) -> bool:
    step = check_code(secret, code, None)
    if step is None:
        return False
    user.totp_secret, user.totp_enabled, user.totp_last_step = secret, True, step
    return True
