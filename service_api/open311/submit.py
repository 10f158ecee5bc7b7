"""POST requests: check what a partner sent, then hand the report to the intake every channel shares."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import FileStorage, MultiDict

from intake.components import is_code
from service_api.auth.principal import Principal
from service_api.components import casework
from service_api.components.vocab import REPORT_COMPONENT_KEY
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import ApiKey, GazetteerAddress, Report, utcnow
from service_api.models.open311 import Open311Request
from service_api.open311.catalog import Service, attributes_text, get_service, validate_attributes
from service_api.open311.params import Open311Error, parse_point
from service_api.phones import InvalidPhone, canonical_phone
from service_api.photos import save_upload
from service_api.reports.accept import MAX_PHOTOS, ReportInput, accept_report, find_replay, process_after_accept
from service_api.vocab import Source

CHANNEL = Source.OPEN311
MAX_DESCRIPTION = 4000
IDEMPOTENCY_KEY_MAX = 128
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LIMITS = {"device_id": 64, "account_id": 64, "first_name": 32, "last_name": 32, "address_string": 255,
           "email": 254, "media_url": 1024}


@dataclass
class Submitted:
    report: Report
    request: Open311Request
    created: bool


def _field(form: MultiDict[str, str], name: str) -> str | None:
    value = (form.get(name) or "").strip()
    if not value:
        return None
    limit = _LIMITS.get(name)
    if limit is not None and len(value) > limit:
        raise Open311Error(400, f"{name} 超过 {limit} 个字符")
    return value


def _service(form: MultiDict[str, str]) -> Service:
    code = (form.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    service = get_service(code)
    if service is None:
        raise Open311Error(400, f"service_code {code[:16]} 不存在（见 services.json）")
    return service


def _location(form: MultiDict[str, str]) -> tuple[dict[str, Any] | None, str | None, str | None]:
    """(location for intake, address text, address_id) from lat+long, address_string or address_id."""
    point = parse_point(form.get("lat"), form.get("long"))
    address = _field(form, "address_string")
    address_id = (form.get("address_id") or "").strip() or None
    location = {"lat": point[0], "lng": point[1], "crs": "wgs84"} if point else None
    if address_id is not None:
        row = db.session.get(GazetteerAddress, int(address_id)) if address_id.isdigit() else None
        if row is None:
            raise Open311Error(400, f"address_id {address_id[:32]} 不存在")
        address = address or row.name
        location = location or {"lat": row.lat, "lng": row.lng, "crs": "cgcs2000"}
    if location is None and address is None:
        raise Open311Error(400, "须提供位置：lat 和 long，或 address_string，或 address_id")
    return location, address, address_id


def _contact(form: MultiDict[str, str]) -> dict[str, Any]:
    email = _field(form, "email")
    if email and not _EMAIL.match(email):
        raise Open311Error(400, "email 格式不正确")
    try:
        phone = canonical_phone(form.get("phone"))
    except InvalidPhone as exc:
        raise Open311Error(400, f"phone {exc}") from exc
    first, last = _field(form, "first_name"), _field(form, "last_name")
    # Chinese names are family name first: last_name + first_name.
    name = "".join(p for p in (last, first) if p) or None
    return {"phone": phone, "name": name, "email": email}


def _media_url(form: MultiDict[str, str]) -> str | None:
    url = _field(form, "media_url")
    if url and not re.match(r"^https?://[^\s/]+", url):
        raise Open311Error(400, "media_url 须为 http(s) 地址")
    return url


def _component_code(attributes: dict[str, Any]) -> str | None:
    """attribute[component_code] of a 部件 service: a registered component's 17-digit code, else 400."""
    code = attributes.get(REPORT_COMPONENT_KEY)
    if code is None:
        return None
    name = f"attribute[{REPORT_COMPONENT_KEY}]"
    if not is_code(code):
        raise Open311Error(400, f"{name} 应为17位数字的部件标识码")
    try:
        casework.given_component(code)
    except APIError:
        raise Open311Error(400, f"{name} {code} 未登记，请核对部件标识码") from None
    return str(code)


def _idempotency_key(headers: Any) -> str | None:
    key = headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= IDEMPOTENCY_KEY_MAX):
        raise Open311Error(400, f"Idempotency-Key 长度应为 1-{IDEMPOTENCY_KEY_MAX}")
    return key


def principal_for(api_key: ApiKey, device_id: str | None) -> Principal:
    """A service principal per partner key and device: retries of one device share an idempotency scope."""
    return Principal("service", chat_sender=f"open311:{api_key.id}:{device_id or '-'}"[:64])


def _save_media(files: list[FileStorage], principal: Principal) -> list[str]:
    uploads = [f for f in files if f and f.filename is not None]
    if len(uploads) > MAX_PHOTOS:
        raise Open311Error(400, f"media 最多 {MAX_PHOTOS} 个文件")
    photo_ids = []
    for upload in uploads:
        data = upload.read()
        if not data:
            raise Open311Error(400, "media 文件为空")
        try:
            photo_ids.append(save_upload(data, principal).id)
        except APIError as exc:
            raise Open311Error(exc.status if exc.status >= 500 else 400, f"media：{exc.message}") from exc
    return photo_ids


def submit(form: MultiDict[str, str], files: list[FileStorage], headers: Any, api_key: ApiKey) -> Submitted:
    """Validate everything first, then accept (commit), record the Open311 side, run intake."""
    service = _service(form)
    location, address, address_id = _location(form)
    description = (form.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise Open311Error(400, f"description 超过 {MAX_DESCRIPTION} 个字符")
    attributes = validate_attributes(service, form)
    component_code = _component_code(attributes)
    contact = _contact(form)
    media_url = _media_url(form)
    device_id, account_id = _field(form, "device_id"), _field(form, "account_id")
    key = _idempotency_key(headers)
    principal = principal_for(api_key, device_id)

    replay = find_replay(principal, CHANNEL, key)
    if replay is not None:
        return Submitted(replay, _request_row(replay, api_key, service, device_id, account_id), created=False)

    summary = attributes_text(service, attributes)
    extra: dict[str, Any] = {"open311": {
        "service_code": service.code, "attributes": attributes, "attributes_text": summary or None,
        "address_id": address_id, "email": contact["email"], "device_id": device_id, "account_id": account_id,
        "api_key": api_key.prefix,
    }}
    if media_url:
        extra["media_url"] = media_url
    accepted = accept_report(
        ReportInput(
            description=description or summary or service.name, channel=CHANNEL, location=location,
            address=address, photo_ids=_save_media(files, principal),
            contact={"phone": contact["phone"], "name": contact["name"]},
            category_hint=service.name, idempotency_key=key, extra=extra, component_code=component_code,
        ),
        principal,
    )
    report = accepted.report
    row = _request_row(report, api_key, service, device_id, account_id)
    if accepted.created:
        process_after_accept(report)
        db.session.refresh(report)
    return Submitted(report, row, accepted.created)


def _request_row(report: Report, api_key: ApiKey, service: Service, device_id: str | None,
                 account_id: str | None) -> Open311Request:
    row = db.session.get(Open311Request, report.id)
    if row is None:
        row = Open311Request(report_id=report.id, api_key_id=api_key.id, service_code=service.code,
                             token=secrets.token_hex(16), device_id=device_id, account_id=account_id)
        db.session.add(row)
    api_key.last_used_at = utcnow()
    db.session.commit()
    return row
