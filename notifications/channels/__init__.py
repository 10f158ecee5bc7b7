"""Channel adapters behind one interface (`Channel`) and a small registry: one file per channel, each with an
`adapter(settings)` factory (falling back to log-only without credentials), registered here by the channel's
name in service_api/vocab.py. A new channel: its file, a `register` line below, its value in `vocab.Channel`."""

from __future__ import annotations

from collections.abc import Callable

from notifications.channels import inapp, twilio_sms, twilio_voice, wechat
from notifications.channels.base import Channel, ChannelError, PermanentError, SendResult, TransientError
from service_api.config import Settings
from service_api.vocab import Channel as ChannelName

__all__ = ["Channel", "ChannelError", "PermanentError", "SendResult", "TransientError", "adapter_for", "get",
           "register"]

Factory = Callable[[Settings], Channel]
_factories: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    """Make `factory` the adapter of the rows whose channel is `name`."""
    _factories[name] = factory


def get(name: str, settings: Settings) -> Channel:
    """The adapter for a row's channel; without credentials SMS, voice and WeChat only log."""
    try:
        factory = _factories[name]
    except KeyError:
        raise ValueError(f"unknown channel {name!r}") from None
    return factory(settings)


adapter_for = get  # the name the outbox has always used

register(ChannelName.INAPP, inapp.adapter)
register(ChannelName.SMS, twilio_sms.adapter)
register(ChannelName.VOICE, twilio_voice.adapter)
register(ChannelName.WECHAT, wechat.adapter)
