"""The Twilio webhooks' own data: the receipt of each delivery (a retried one is answered with the first
answer), the provider's status on outbox rows, and SMS opt-outs (STOP, START, error 21610)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from service_api.extensions import db
from service_api.feedback.surveys import survey_call_missed
from service_api.models import Citizen, Notification, WebhookReceipt, utcnow
from service_api.reports.accept import citizen_for_phone
from service_api.vocab import Channel, NotificationState


def receipt(key: str) -> WebhookReceipt | None:
    return db.session.get(WebhookReceipt, key)


def claim_receipt(key: str, source: str) -> bool:
    """Note that this delivery is being handled; False when another request holds it already."""
    db.session.add(WebhookReceipt(token=key, source=source))
    try:
        db.session.commit()
    except IntegrityError:  # the same delivery is being handled right now
        db.session.rollback()
        return False
    return True


def release_receipt(key: str) -> None:
    """The delivery failed: drop what it did and its receipt, so that Twilio's retry is handled afresh."""
    db.session.rollback()
    db.session.query(WebhookReceipt).filter_by(token=key).delete()
    db.session.commit()


def keep_answer(key: str, body: str, mimetype: str | None) -> None:
    """Keep the answer given to this delivery, for its retries."""
    row = db.session.get(WebhookReceipt, key)
    if row is not None:
        row.response_body = body
        row.response_mimetype = mimetype
        db.session.commit()


def notification_for_status(sid: str, notification_ref: str | None) -> Notification | None:
    """The outbox row a status callback is about, locked: by the provider's id, else by our id in its URL."""
    row = db.session.query(Notification).filter_by(provider_id=sid).with_for_update().first() if sid else None
    if row is None and notification_ref and notification_ref.isdigit():
        row = db.session.get(Notification, int(notification_ref), with_for_update=True)
    return row


def record_delivery(row: Notification, *, provider_status: str | None, delivered: bool = False,
                    failure: str | None = None, opted_out: bool = False) -> None:
    """Write what a status callback says about `row`: the provider's status (None: keep the one it has, a
    later one came first), that it was delivered, or why it failed — the recipient opted out of SMS, or a
    survey call nobody answered, which becomes a callback task for agents."""
    if provider_status is not None:
        row.provider_status = provider_status
    if delivered:
        row.status = NotificationState.DELIVERED
    elif failure is not None:
        row.status = NotificationState.FAILED
        row.last_error = failure
        if opted_out and row.recipient:
            citizen = db.session.query(Citizen).filter_by(phone=row.recipient).one_or_none()
            if citizen is not None:
                citizen.sms_opted_out, citizen.sms_opted_out_at = True, utcnow()
        if row.channel == Channel.VOICE:
            survey_call_missed(row)
    row.updated_at = utcnow()
    db.session.commit()


def set_sms_opt_out(phone: str, opted_out: bool) -> None:
    """The resident texted STOP (or START): their SMS stop (or start again)."""
    citizen = citizen_for_phone(phone)
    citizen.sms_opted_out = opted_out
    citizen.sms_opted_out_at = utcnow() if opted_out else None
    db.session.commit()
