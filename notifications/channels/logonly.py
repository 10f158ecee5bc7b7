"""The embedded default without provider credentials: write the message to the log instead of sending."""

from __future__ import annotations

import logging

from notifications.channels.base import SendResult
from service_api.models import Notification
from service_api.privacy import mask_phone
from service_api.vocab import KIND_TEXT, PHONE_CHANNELS, Kind

log = logging.getLogger("notifications.logonly")
DEMO_CODE_COMMAND = "flask auth sign-in-code 手机号"  # service_api/cli.py, refused in production


class LogOnlyChannel:
    can_lookup = True

    def __init__(self, name: str, *, demo: bool = False) -> None:
        self.name = name
        self.demo = demo  # outside production: say where whoever runs the demo gets a sign-in code

    def send(self, notification: Notification) -> SendResult:
        recipient = notification.recipient or ""
        shown = mask_phone(recipient) if notification.channel in PHONE_CHANNELS else recipient[:6] + "…"
        body = notification.body
        if notification.kind == Kind.LOGIN_CODE:  # whoever reads the log could sign in as the resident with it
            body = f"{KIND_TEXT[Kind.LOGIN_CODE]}（验证码不记入日志"
            body += f"；演示环境请用 {DEMO_CODE_COMMAND} 取得验证码）" if self.demo else "）"
        log.info("[%s, not sent: no credentials] #%s to %s: %s", self.name, notification.id, shown, body)
        return SendResult(f"log-{notification.id}", "logged")

    def lookup(self, notification: Notification) -> SendResult | None:
        return None
