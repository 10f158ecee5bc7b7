"""The one interface every channel adapter implements, and the errors that steer retries."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from service_api.models import Notification
from service_api.phones import canonical_phone_or_none


@dataclass(frozen=True)
class SendResult:
    provider_id: str | None
    provider_status: str | None = None


class ChannelError(Exception):
    """A send did not succeed. `code` is the provider's error code when it gave one."""

    def __init__(self, message: str, code: int | str | None = None) -> None:
        super().__init__(message)
        self.code = code


class TransientError(ChannelError):
    """Worth retrying later (5xx, 429, timeouts). `uncertain`: the provider may have acted on it anyway."""

    def __init__(self, message: str, code: int | str | None = None, *, uncertain: bool = False) -> None:
        super().__init__(message, code)
        self.uncertain = uncertain


class PermanentError(ChannelError):
    """Retrying cannot help (invalid number, opted out, refused subscription)."""


class Channel(Protocol):
    name: str
    can_lookup: bool  # whether `lookup` can tell if an uncertain attempt reached the provider

    def send(self, notification: Notification) -> SendResult:
        """Hand the message to the provider once. Raises TransientError or PermanentError."""

    def lookup(self, notification: Notification) -> SendResult | None:
        """After an uncertain attempt: the provider's record of this message, or None if it never arrived."""


def twilio_recipient(notification: Notification) -> str:
    """The recipient in E.164, as Twilio wants it and as residents and their opt-outs are stored; a number
    that is not one cannot be reached, however often it is tried."""
    phone = canonical_phone_or_none(notification.recipient)
    if phone is None:
        raise PermanentError("recipient is not a valid phone number")
    return phone
