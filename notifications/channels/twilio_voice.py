"""Outbound voice calls through Twilio: the call fetches TwiML that reads the outcome and takes the survey."""

from __future__ import annotations

from datetime import timedelta

from notifications.channels.base import Channel, SendResult, twilio_recipient
from notifications.channels.logonly import LogOnlyChannel
from notifications.channels.twilio_client import client_for, has_credentials, translate
from service_api.config import Settings
from service_api.models import Notification
from service_api.vocab import Channel as ChannelName

LOOKUP_WINDOW = timedelta(minutes=10)


class TwilioVoiceChannel:
    name = ChannelName.VOICE
    can_lookup = True

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, notification: Notification) -> SendResult:
        base = self.settings.public_base_url.rstrip("/")
        to = twilio_recipient(notification)
        try:
            call = client_for(self.settings).calls.create(
                to=to, from_=self.settings.twilio_from_number,
                url=f"{base}/twilio/voice/outbound?n={notification.id}",
                status_callback=f"{base}/twilio/status?n={notification.id}",
                status_callback_event=["completed"],
            )
        except Exception as exc:
            raise translate(exc) from exc
        return SendResult(call.sid, call.status)

    def lookup(self, notification: Notification) -> SendResult | None:
        started = notification.attempt_started_at or notification.created_at
        try:
            calls = client_for(self.settings).calls.list(to=notification.recipient, limit=50)
        except Exception as exc:
            raise translate(exc) from exc
        for call in calls:
            if call.date_created is not None and call.date_created >= started - LOOKUP_WINDOW:
                return SendResult(call.sid, call.status)
        return None


def adapter(settings: Settings) -> Channel:
    """Twilio when it has credentials; otherwise the message is only logged (the embedded default)."""
    return TwilioVoiceChannel(settings) if has_credentials(settings) else LogOnlyChannel(ChannelName.VOICE)
