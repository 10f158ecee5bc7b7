"""In-app: the row itself is the message; residents list it at GET /api/v1/me/notifications."""

from __future__ import annotations

from notifications.channels.base import SendResult
from service_api.config import Settings
from service_api.models import Notification
from service_api.vocab import Channel as ChannelName


class InAppChannel:
    name = ChannelName.INAPP
    can_lookup = True

    def send(self, notification: Notification) -> SendResult:
        return SendResult(None, "stored")

    def lookup(self, notification: Notification) -> SendResult | None:
        return None


def adapter(settings: Settings) -> InAppChannel:
    return InAppChannel()
