"""SMS through Twilio Messaging (from number or Messaging Service), with a status callback."""

from __future__ import annotations

from datetime import timedelta

from notifications.channels.base import Channel, PermanentError, SendResult, twilio_recipient
from notifications.channels.logonly import LogOnlyChannel
from notifications.channels.twilio_client import OPTED_OUT_CODE, client_for, has_credentials, translate
from service_api.config import Settings
from service_api.extensions import db
from service_api.models import Citizen, Notification
from service_api.vocab import Channel as ChannelName

LOOKUP_WINDOW = timedelta(minutes=10)


class TwilioSmsChannel:
    name = ChannelName.SMS
    can_lookup = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, notification: Notification) -> SendResult:
        to = twilio_recipient(notification)
        citizen = db.session.query(Citizen).filter_by(phone=to).one_or_none()
        if citizen is not None and citizen.sms_opted_out:
            raise PermanentError("recipient opted out (STOP/退订)", OPTED_OUT_CODE)
        kwargs: dict[str, object] = {
            "to": to,
            "body": notification.body,
            "status_callback": self.settings.public_base_url.rstrip("/") + "/twilio/status",
        }
        if self.settings.twilio_messaging_service_sid:
            kwargs["messaging_service_sid"] = self.settings.twilio_messaging_service_sid
        else:
            kwargs["from_"] = self.settings.twilio_from_number
        try:
            message = client_for(self.settings).messages.create(**kwargs)
        except Exception as exc:
            raise translate(exc) from exc
        return SendResult(message.sid, message.status)

    def lookup(self, notification: Notification) -> SendResult | None:
        """Find this notification's message among the recent ones to its number (same body, sent after the
        attempt started)."""
        started = notification.attempt_started_at or notification.created_at
        try:
            messages = client_for(self.settings).messages.list(to=notification.recipient, limit=50)
        except Exception as exc:
            raise translate(exc) from exc
        for message in messages:
            created = message.date_created
            if (message.body == notification.body and created is not None
                    and created >= started - LOOKUP_WINDOW and (message.direction or "").startswith("outbound")):
                return SendResult(message.sid, message.status)
        return None


def adapter(settings: Settings) -> Channel:
    """Twilio when it has credentials; otherwise the message is only logged (the embedded default)."""
    if has_credentials(settings):
        return TwilioSmsChannel(settings)
    return LogOnlyChannel(ChannelName.SMS, demo=not settings.production)
