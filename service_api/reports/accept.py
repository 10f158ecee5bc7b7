"""Accepting a report from any channel: validate, persist and commit first, then run intake."""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from sqlalchemy.exc import IntegrityError

from intake.geo.crs import to_cgcs2000
from service_api import numbers, outbox_writer
from service_api.auth.principal import Principal
from service_api.auth.tokens import idempotent_report_token, new_report_token
from service_api.cases.intake_pipeline import JOIN_CASE_KEY, JOIN_TRUSTED_KEY
from service_api.components import casework
from service_api.components.models import Component
from service_api.components.vocab import REPORT_COMPONENT_KEY
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import OPEN_STATUSES, Case, Citizen, Photo, Report, report_photos, utcnow
from service_api.phones import InvalidPhone, canonical_phone, inbound_phone
from service_api.photos import save_upload, usable_photos
from service_api.vocab import PHONE_SOURCES, Source

log = logging.getLogger(__name__)

MAX_PHOTOS = 9
# The longest description a resident may write, the same on every surface of ours (the API's schema, the web app's
# form /m/, the scan page /c/): a report accepted by one is never refused by another.
DESCRIPTION_MAX = 2000
# Hex digits of the request fingerprint in an anonymous client's idempotency scope (160 bits).
ANON_SCOPE_DIGEST = 40
# Channels whose phone number comes from the telephone network, not from a form: kept even when unparseable.


@dataclass
class ReportInput:
    description: str
    channel: str
    location: dict[str, Any] | None = None
    address: str | None = None
    photo_ids: list[str] = field(default_factory=list)
    contact: dict[str, Any] | None = None
    category_hint: str | None = None
    channel_ref: str | None = None
    join_case_no: str | None = None
    component_code: str | None = None  # the city component the report is about (scan to report)
    idempotency_key: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Accepted:
    report: Report
    created: bool
    access_token: str | None


def request_fingerprint(data: ReportInput) -> str:
    """SHA-256 of what the resident asked for (not of how the channel wrapped it), to tell a retry of a
    submission from a different submission under the same Idempotency-Key."""
    asked = {
        "channel": data.channel, "description": data.description.strip(), "location": data.location,
        "address": (data.address or "").strip() or None, "photo_ids": list(data.photo_ids),
        "contact": data.contact or None, "category_hint": data.category_hint, "join_case_no": data.join_case_no,
    }
    if data.component_code:
        asked["component_code"] = data.component_code
    canonical = json.dumps(asked, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotency_scope(principal: Principal, channel: str, fingerprint: str | None = None) -> str:
    """Whose Idempotency-Keys these are: one scope per client, so clients' keys never meet."""
    if principal.staff is not None:
        return f"staff:{principal.staff.id}"
    if principal.chat_sender:
        return f"chat:{principal.chat_sender}"
    if principal.citizen_id is not None:
        return f"citizen:{principal.citizen_id}"
    if principal.kind == "service":
        # Twilio webhooks: the keys are the provider's message and call ids, unique by themselves.
        return f"service:{channel}"
    # Anonymous clients have nothing that tells them apart but what they send: their keys are scoped by it,
    # so another resident who happens to send the same key files their own report instead of getting ours.
    return f"anon:{channel}:{(fingerprint or '')[:ANON_SCOPE_DIGEST]}"


def find_replay(principal: Principal, channel: str, key: str | None, fingerprint: str | None = None) -> Report | None:
    """The report first stored under this client's key; 409 when that key came with a different request."""
    if not key:
        return None
    report = db.session.query(Report).filter_by(
        idempotency_scope=idempotency_scope(principal, channel, fingerprint), idempotency_key=key
    ).one_or_none()
    # Twilio's webhooks (a service without a sender) reuse a call's id on purpose: the first report stands.
    chose_key = principal.kind != "service" or principal.chat_sender is not None
    if (report is not None and chose_key and fingerprint is not None and report.idempotency_fingerprint is not None
            and report.idempotency_fingerprint != fingerprint):
        raise APIError(409, "idempotency_key_reused",
                       "该 Idempotency-Key 已用于另一条内容不同的反映；提交新的反映请使用新的 Idempotency-Key",
                       {"Idempotency-Key": ["已用于内容不同的请求"]})
    return report


def _replayed(report: Report, key: str, fingerprint: str) -> Accepted:
    """A replay answers as the first submission did, access token included (it is derived, not stored)."""
    token, token_hash = idempotent_report_token(report.idempotency_scope or "", key, fingerprint)
    return Accepted(report, created=False, access_token=token if token_hash == report.access_token_hash else None)


def _canonical_contact(contact: dict[str, Any] | None, channel: str) -> dict[str, Any] | None:
    """The contact with its phone in E.164; a phone that is not a number is refused (422), never stored."""
    if not contact or not contact.get("phone"):
        return contact
    try:
        phone = canonical_phone(contact["phone"])
    except InvalidPhone as exc:
        if channel in PHONE_SOURCES:
            phone = inbound_phone(contact["phone"])  # the caller's number as the provider gave it
        else:
            raise APIError(422, "bad_phone", f"联系电话{exc}", {"contact": {"phone": [str(exc)]}}) from exc
    return {**contact, "phone": phone}


def citizen_for_phone(phone: str) -> Citizen:
    """The resident known by this phone number, created on first contact (flushed, not committed)."""
    phone = inbound_phone(phone) or phone
    citizen = db.session.query(Citizen).filter_by(phone=phone).one_or_none()
    if citizen is None:
        citizen = Citizen(phone=phone)
        db.session.add(citizen)
        db.session.flush()
    return citizen


def check_join_target(case_no: str) -> None:
    """A resident may ask to join only an open case: a case that does not exist, or is closed or rejected,
    is refused clearly (nothing is stored) rather than filed somewhere the resident did not mean."""
    case = db.session.query(Case).filter_by(case_no=case_no).one_or_none()
    if case is None:
        raise APIError(404, "case_not_found", f"未找到案件 {case_no}，无法合并；请核对案件编号，或不填案件编号直接反映",
                       {"join_case_no": ["案件不存在"]})
    if case.status not in OPEN_STATUSES:
        raise APIError(409, "case_not_open",
                       f"案件 {case_no} 已办结或不予立案，不能再合并；如问题仍存在，请不填案件编号重新反映",
                       {"join_case_no": ["案件已办结或不予立案"]})


def accept_report(data: ReportInput, principal: Principal) -> Accepted:
    """Persist a report with its photo links and its notifications in the session, and commit.

    A replayed Idempotency-Key returns the first report.
    """
    data = replace(data, contact=_canonical_contact(data.contact, data.channel))
    key = data.idempotency_key
    fingerprint = request_fingerprint(data) if key else None
    replay = find_replay(principal, data.channel, key, fingerprint)
    if replay is not None and key and fingerprint:
        return _replayed(replay, key, fingerprint)
    if len(data.photo_ids) > MAX_PHOTOS:
        raise APIError(422, "too_many_photos", f"最多 {MAX_PHOTOS} 张照片", {"photo_ids": ["too many"]})
    if data.join_case_no and principal.staff is None:
        check_join_target(data.join_case_no)
    photos = usable_photos(data.photo_ids, principal)
    component = casework.given_component(data.component_code)
    now = utcnow()
    values: dict[str, Any] = dict(
        channel=data.channel,
        channel_ref=data.channel_ref or principal.chat_sender,
        description=data.description.strip(),
        address=(data.address or "").strip() or None,
        category_hint=data.category_hint,
        idempotency_scope=idempotency_scope(principal, data.channel, fingerprint) if key else None,
        idempotency_key=key, idempotency_fingerprint=fingerprint,
        extra=dict(data.extra),
        intake_status="pending", intake_attempts=0, candidates=[], is_duplicate=False,
        created_at=now, updated_at=now,
    )
    if data.join_case_no:
        values["extra"][JOIN_CASE_KEY] = data.join_case_no
        if principal.staff is not None:
            values["extra"][JOIN_TRUSTED_KEY] = True  # an agent picked the case on purpose (hotline console)
    if component is not None:
        values["extra"][REPORT_COMPONENT_KEY] = component.code
    _set_location(values, data.location, photos, component)
    _set_contact(values, data.contact, principal)
    # A keyed submission's token is derived from its key and request, so that a retry can be given it again.
    token, values["access_token_hash"] = (idempotent_report_token(values["idempotency_scope"], key, fingerprint)
                                          if key and fingerprint else new_report_token())
    report = Report(**values, tracking_no=numbers.new_tracking_no(now))
    try:
        db.session.add(report)
        db.session.flush()  # the report's id, for its photo links
        _link_photos(report, photos)
        outbox_writer.report_received(report)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        replay = find_replay(principal, data.channel, key, fingerprint)
        if replay is None or not (key and fingerprint):
            raise
        return _replayed(replay, key, fingerprint)
    return Accepted(report, created=True, access_token=token)


def _link_photos(report: Report, photos: list[Photo]) -> None:
    """The photo links in the order given (the relationship alone would not write their positions)."""
    if photos:
        db.session.execute(report_photos.insert(), [
            {"report_id": report.id, "photo_id": photo.id, "position": position}
            for position, photo in enumerate(photos)])


def _set_location(values: dict[str, Any], location: dict[str, Any] | None, photos: list[Photo],
                  component: Component | None = None) -> None:
    if location:
        crs = location.get("crs", "wgs84")
        try:
            lat, lng = to_cgcs2000(float(location["lat"]), float(location["lng"]), crs)
        except (KeyError, TypeError, ValueError) as exc:
            raise APIError(422, "bad_location", f"位置无效：{exc}", {"location": [str(exc)]}) from exc
        values.update(raw_lat=float(location["lat"]), raw_lng=float(location["lng"]), raw_crs=crs,
                      lat=lat, lng=lng, location_source="client")
        return
    for photo in photos:
        if photo.gps_lat is not None and photo.gps_lng is not None:
            lat, lng = to_cgcs2000(photo.gps_lat, photo.gps_lng, "wgs84")
            values.update(raw_lat=photo.gps_lat, raw_lng=photo.gps_lng, raw_crs="wgs84", lat=lat, lng=lng,
                          location_source="photo")
            return
    if component is not None and not values["address"]:
        # The resident gave no place: the component's is where the problem is.
        values.update(lat=component.lat, lng=component.lng, location_source="component")
        return
    values["location_source"] = "address" if values["address"] else "none"


def _set_contact(values: dict[str, Any], contact: dict[str, Any] | None, principal: Principal) -> None:
    contact = contact or {}  # its phone already canonical (_canonical_contact)
    values["contact_phone"] = contact.get("phone") or None
    values["contact_name"] = contact.get("name") or None
    if principal.citizen_id is not None:
        citizen = db.session.get(Citizen, principal.citizen_id)
        if citizen is not None:
            values["citizen_id"] = citizen.id
            values["wechat_openid"] = citizen.wechat_openid
            values["contact_phone"] = values["contact_phone"] or citizen.phone
            return
    if values["contact_phone"] and values["channel"] in (Source.HOTLINE, *PHONE_SOURCES):
        # The phone number is who these channels know the resident by.
        values["citizen_id"] = citizen_for_phone(values["contact_phone"]).id


def upload_photo(data: bytes, principal: Principal) -> Photo:
    """A photo uploaded ahead of the report that will name it (the mini-program uploads each one first)."""
    photo = save_upload(data, principal)
    db.session.commit()
    return photo


def file_report(data: ReportInput, principal: Principal) -> Accepted:
    """accept_report, then intake on a new report (process_after_accept); the report is returned as intake
    left it."""
    accepted = accept_report(data, principal)
    if accepted.created and process_after_accept(accepted.report):
        db.session.refresh(accepted.report)  # intake changed it (matter, place, case)
    return accepted


def process_after_accept(report: Report) -> bool:
    """Run intake inline when configured (True when it ran); any failure leaves the report queued for a worker."""
    settings = current_app.extensions["settings"]
    if not settings.intake_inline:
        return False
    from service_api.cases.intake_pipeline import run_intake_safely

    run_intake_safely(report.id)
    return True
