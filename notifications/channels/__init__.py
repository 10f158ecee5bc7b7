"""Channel adapters behind one interface (`Channel`), chosen per notification row's channel."""

from __future__ import annotations

from notifications.channels.base import Channel, ChannelError, PermanentError, SendResult, TransientError
from notifications.channels.inapp import InAppChannel
from notifications.channels.logonly import LogOnlyChannel
from notifications.channels.twilio_client import has_credentials
from notifications.channels.twilio_sms import TwilioSmsChannel
from notifications.channels.twilio_voice import TwilioVoiceChannel
from notifications.channels.wechat import WeChatSubscribeChannel
from service_api.config import Settings
from service_api.vocab import PHONE_CHANNELS
from service_api.vocab import Channel as ChannelName

__all__ = ["Channel", "ChannelError", "PermanentError", "SendResult", "TransientError", "adapter_for"]

_wechat: dict[tuple[str, str, str], WeChatSubscribeChannel] = {}


def adapter_for(channel: str, settings: Settings) -> Channel:
    """The adapter for a row's channel; without credentials SMS/voice/WeChat only log."""
    if channel == ChannelName.INAPP:
        return InAppChannel()
    if channel in PHONE_CHANNELS:
        if not has_credentials(settings):
            return LogOnlyChannel(channel)
        return TwilioSmsChannel(settings) if channel == ChannelName.SMS else TwilioVoiceChannel(settings)
    if channel == ChannelName.WECHAT:
        if not (settings.wechat_secret and settings.wechat_notify_template_id):
            return LogOnlyChannel(channel)
        # One per account so the access token is cached between sends.
        key = (settings.wechat_api_base, settings.wechat_appid, settings.wechat_secret)
        if key not in _wechat:
            _wechat[key] = WeChatSubscribeChannel(settings)
        return _wechat[key]
    raise ValueError(f"unknown channel {channel!r}")
