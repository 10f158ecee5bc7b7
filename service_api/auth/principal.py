"""Who is calling: resolved once per request from the Authorization header."""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from flask import current_app, g, request

from service_api.auth.tokens import REPORT_TOKEN_PREFIX, citizen_version, hash_secret, read_signed
from service_api.config import DEFAULT_SERVICE_API_KEY
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import AUDITOR, ROLE_TEXT, Citizen, Report, StaffUser
from service_api.phones import same_phone


@dataclass(frozen=True)
class Principal:
    """kind: anonymous | citizen | report | staff | service.

    A service principal (the chatbot's action server) acts for the resident named in X-Resident:
    "citizen:<id>" or an anonymous chat session "anon:<id>".
    """

    kind: str
    citizen_id: int | None = None
    report_id: int | None = None
    staff: StaffUser | None = None
    chat_sender: str | None = None

    @property
    def is_staff(self) -> bool:
        return self.staff is not None

    def can_read_report(self, report: Report) -> bool:
        if self.staff is not None:
            return self.staff.role != AUDITOR  # the auditor reads the audit trail and nothing else
        if self.citizen_id is not None and report.citizen_id == self.citizen_id:
            return True
        if self.citizen_id is not None and report.contact_phone and self._signed_in_phone_filed(report):
            return True
        if self.report_id is not None and report.id == self.report_id:
            return True
        return self.chat_sender is not None and report.channel_ref == self.chat_sender

    def _signed_in_phone_filed(self, report: Report) -> bool:
        """A resident signed in by SMS code owns their phone: reports filed with it (as the contact number,
        from any channel) are theirs to read and rate."""
        citizen = db.session.get(Citizen, self.citizen_id)
        return citizen is not None and same_phone(citizen.phone, report.contact_phone)


ANONYMOUS = Principal("anonymous")
LOOPBACK = {"127.0.0.1", "::1"}


def _service_principal() -> Principal:
    resident = (request.headers.get("X-Resident") or "").strip()
    if resident.startswith("citizen:") and resident[8:].isdigit():
        return Principal("service", citizen_id=int(resident[8:]), chat_sender=resident)
    if resident:
        return Principal("service", chat_sender=resident[:64])
    return Principal("service")


def _resolve() -> Principal:
    header = request.headers.get("Authorization", "")
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise APIError(401, "bad_token", "Authorization 头格式应为 'Bearer <token>'")
    settings = current_app.extensions["settings"]
    if hmac.compare_digest(token.encode(), settings.service_api_key.encode()):
        if settings.service_api_key == DEFAULT_SERVICE_API_KEY and request.remote_addr not in LOOPBACK:
            raise APIError(401, "default_service_key", "默认服务密钥只能在本机使用，请设置 SERVICE_API_KEY")
        return _service_principal()
    if token.startswith(REPORT_TOKEN_PREFIX):
        report_id = db.session.query(Report.id).filter_by(access_token_hash=hash_secret(token)).scalar()
        if report_id is None:
            raise APIError(401, "bad_token", "令牌无效")
        return Principal("report", report_id=report_id)
    max_age = (settings.staff_token_max_age_hours * 3600 if token.startswith("s.")
               else settings.token_max_age_days * 86400)
    signed = read_signed(token, max_age_seconds=max_age)
    if signed is None:
        raise APIError(401, "bad_token", "令牌无效或已过期")
    kind, payload = signed
    if kind == "citizen":
        return Principal("citizen", citizen_id=_live_citizen(payload))
    staff = db.session.get(StaffUser, int(payload["sid"]))
    if staff is None or not staff.active or staff.password_hash[-12:] != payload.get("pv"):
        raise APIError(401, "bad_token", "令牌无效或已过期")
    return Principal("staff", staff=staff)


# What every endpoint taking a resident token answers once the account is erased (DELETE /api/v1/me) or gone.
ACCOUNT_GONE = "账号不存在或已注销，请重新登录"


def _live_citizen(payload: dict) -> int:
    """The resident a signed token names, if that account still exists: the one check for every endpoint, so an
    erased account's token reads nothing and files nothing as that account (the client then files anonymously)."""
    citizen = db.session.get(Citizen, int(payload["cid"]))
    # tokens issued before they carried the account's version ("cv") are bound by the id alone
    if citizen is None or payload.get("cv", citizen_version(citizen.created_at)) != citizen_version(citizen.created_at):
        raise APIError(401, "login_required", ACCOUNT_GONE)
    return citizen.id


def current_principal() -> Principal:
    """The caller of the current request, resolved once per request."""
    current = request._get_current_object()
    cached = g.get("principal")
    if cached is None or cached[0] is not current:
        cached = (current, _resolve())
        g.principal = cached
    return cached[1]


def require_staff(*roles: str) -> StaffUser:
    principal = current_principal()
    if principal.staff is None:
        if principal.kind == "anonymous":  # nobody signed in: 401, sign in (as staff)
            raise APIError(401, "staff_only", "需要工作人员令牌")
        # a resident (or the chatbot) is known and signed in: signing in again changes nothing, so 403
        raise APIError(403, "staff_only", "仅限工作人员访问，居民账号无权查看")
    role = principal.staff.role
    if role == AUDITOR and AUDITOR not in roles:  # the auditor reads the audit trail and nothing else
        raise APIError(403, "role_forbidden", "审计员只能查看和导出审计日志")
    if roles and role not in roles and role != "admin":
        raise APIError(403, "role_forbidden",
                       f"{ROLE_TEXT.get(principal.staff.role, principal.staff.role)}无权进行此操作")
    return principal.staff
