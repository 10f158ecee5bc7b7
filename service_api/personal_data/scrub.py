"""Removing a resident's personal data from the rows that carry it, keeping everything statistics count.

Used by retention (anonymise.py) and by a resident's own erasure (residents.py). What goes: phones, names,
WeChat openids, the link to the resident's account, phone and ID numbers written in free text, the raw
device position sent with a report (the normalised location of the problem stays). What stays: the report,
its case, matter, place, times, statuses, ratings and surveys' outcomes.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from service_api.extensions import db
from service_api.models import Callback, CaseEvent, HotlineCall, Notification, Rating, Report, Survey, utcnow
from service_api.models.case import RESIDENT_ACTOR
from service_api.privacy import mask_text
from service_api.vocab import CANCELLABLE_STATES, PHONE_SOURCES, NotificationState

CALLBACK_OPEN = "open"
CALLBACK_CANCELLED = "cancelled"
NOTIFICATION_CANCELLED = NotificationState.CANCELLED


def _set(row: object, counts: Counter[str], what: str, **values: object) -> None:
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    if changed:
        counts[what] += 1


def scrub_report(report: Report, counts: Counter[str]) -> None:
    """The report and the rows hanging off it (calls, callbacks, surveys, notifications, ratings' comments)."""
    channel_ref = report.channel_ref
    if channel_ref and channel_ref.split(":", 1)[0] in PHONE_SOURCES:
        channel_ref = None
    _set(report, counts, "reports", contact_phone=None, contact_name=None, wechat_openid=None, citizen_id=None,
         channel_ref=channel_ref, description=mask_text(report.description), address=mask_text(report.address),
         raw_lat=None, raw_lng=None)
    if report.anonymised_at is None:
        report.anonymised_at = utcnow()
    for call in db.session.scalars(select(HotlineCall).where(HotlineCall.report_id == report.id)):
        _set(call, counts, "hotline_calls", caller_phone=None, notes=mask_text(call.notes))
    for callback in db.session.scalars(select(Callback).where(Callback.report_id == report.id)):
        status = CALLBACK_CANCELLED if callback.status == CALLBACK_OPEN else callback.status
        _set(callback, counts, "callbacks", phone=None, citizen_id=None, status=status,
             reason=mask_text(callback.reason), outcome=mask_text(callback.outcome), transcript=[])
    for survey in db.session.scalars(select(Survey).where(Survey.report_id == report.id)):
        _set(survey, counts, "surveys", phone=None)
    for note in db.session.scalars(select(Notification).where(Notification.report_id == report.id)):
        status = NOTIFICATION_CANCELLED if note.status in CANCELLABLE_STATES else note.status
        _set(note, counts, "notifications", recipient=None, citizen_id=None, status=status)
    for rating in db.session.scalars(select(Rating).where(Rating.report_id == report.id)):
        _set(rating, counts, "ratings", comment=mask_text(rating.comment))
    for event in db.session.scalars(select(CaseEvent).where(CaseEvent.report_id == report.id,
                                                            CaseEvent.actor_type == RESIDENT_ACTOR)):
        _set(event, counts, "case_events", actor_name=None, note=mask_text(event.note))

