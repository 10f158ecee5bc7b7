"""WeChat mini-program subscribe messages (订阅消息) over HTTP; the endpoint is settings.wechat_api_base."""

from __future__ import annotations

import threading
import time
from typing import Any

import requests

from notifications.channels.base import Channel, PermanentError, SendResult, TransientError
from notifications.channels.logonly import LogOnlyChannel
from service_api.config import Settings
from service_api.models import Notification
from service_api.vocab import SURVEY_KINDS, Kind
from service_api.vocab import Channel as ChannelName

# errcodes: 43101 the user did not subscribe (or used up the subscription), 40003 bad openid,
# 47003 template data invalid, 40037 bad template id. Others (-1 busy, 45009 quota) are retried.
PERMANENT_ERRCODES = {43101, 40003, 47003, 40037}
TOKEN_ERRCODES = {40001, 42001, 40014}
# The template's phrase field takes at most 5 characters.
STATUS_WORDS = {
    Kind.RECEIVED: "已受理", Kind.MERGED: "已合并办理", Kind.REGISTERED: "已立案", Kind.REJECTED: "未予立案",
    Kind.DISPATCHED: "已派遣处置", Kind.DEADLINE_EXTENDED: "时限延长", Kind.RESOLVED: "已处置",
    Kind.CLOSED: "已办结", Kind.REOPENED: "重新办理", Kind.RATING_REVIEW: "转交复核",
    **{kind: "待您评价" for kind in SURVEY_KINDS},
}


class WeChatSubscribeChannel:
    name = ChannelName.WECHAT
    can_lookup = False  # WeChat offers no way to ask whether a message went out

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._token: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def _url(self, path: str) -> str:
        return self.settings.wechat_api_base.rstrip("/") + path

    def _access_token(self, refresh: bool = False) -> str:
        with self._lock:
            if self._token and not refresh and self._token[1] > time.monotonic():
                return self._token[0]
            try:
                response = requests.get(self._url("/cgi-bin/token"), timeout=self.settings.notify_http_timeout, params={
                    "grant_type": "client_credential", "appid": self.settings.wechat_appid,
                    "secret": self.settings.wechat_secret})
                body = response.json()
            except (requests.RequestException, ValueError) as exc:
                raise TransientError(f"wechat token: {type(exc).__name__}") from exc
            if "access_token" not in body:
                raise TransientError(f"wechat token errcode {body.get('errcode')}", body.get("errcode"))
            self._token = (body["access_token"], time.monotonic() + int(body.get("expires_in", 7200)) - 300)
            return self._token[0]

    def message(self, notification: Notification) -> dict[str, Any]:
        payload = notification.payload or {}
        survey = notification.kind in SURVEY_KINDS
        page = (f"{self.settings.miniprogram_rating_page}?report={notification.report_id}" if survey
                else f"pages/report/detail?id={notification.report_id}")
        template = (self.settings.wechat_survey_template_id if survey and self.settings.wechat_survey_template_id
                    else self.settings.wechat_notify_template_id)
        return {
            "touser": notification.recipient,
            "template_id": template,
            "page": page,
            "miniprogram_state": "formal",
            "lang": "zh_CN",
            "data": {
                "character_string1": {"value": payload.get("case_no") or payload.get("tracking_no", "")},
                "phrase2": {"value": STATUS_WORDS.get(notification.kind, "进度更新")},
                "thing3": {"value": notification.body.removeprefix("【城市管理】")[:20]},
            },
        }

    def send(self, notification: Notification) -> SendResult:
        body = self.message(notification)
        for attempt in range(2):
            token = self._access_token(refresh=attempt > 0)
            try:
                response = requests.post(self._url("/cgi-bin/message/subscribe/send"), params={"access_token": token},
                                         json=body, timeout=self.settings.notify_http_timeout)
            except requests.exceptions.ConnectionError as exc:
                if isinstance(exc, requests.exceptions.ReadTimeout):
                    raise TransientError("wechat read timeout", uncertain=True) from exc
                raise TransientError(f"wechat unreachable: {type(exc).__name__}") from exc
            except requests.RequestException as exc:
                raise TransientError(f"wechat: {type(exc).__name__}", uncertain=True) from exc
            if response.status_code >= 500:
                raise TransientError(f"wechat http {response.status_code}", response.status_code, uncertain=True)
            try:
                result = response.json()
            except ValueError as exc:
                raise TransientError("wechat: not JSON", uncertain=True) from exc
            errcode = int(result.get("errcode", 0))
            if errcode == 0:
                return SendResult(str(result.get("msgid") or ""), "sent")
            if errcode in TOKEN_ERRCODES and attempt == 0:
                continue
            if errcode in PERMANENT_ERRCODES:
                raise PermanentError(f"wechat errcode {errcode}: {result.get('errmsg')}", errcode)
            raise TransientError(f"wechat errcode {errcode}: {result.get('errmsg')}", errcode)
        raise TransientError("wechat access token rejected twice")

    def lookup(self, notification: Notification) -> SendResult | None:
        return None


# One adapter per account, so its access token is cached between sends.
_accounts: dict[tuple[str, str, str], WeChatSubscribeChannel] = {}


def adapter(settings: Settings) -> Channel:
    """The subscribe-message adapter when WeChat is configured; otherwise the message is only logged."""
    if not (settings.wechat_secret and settings.wechat_notify_template_id):
        return LogOnlyChannel(ChannelName.WECHAT)
    key = (settings.wechat_api_base, settings.wechat_appid, settings.wechat_secret)
    if key not in _accounts:
        _accounts[key] = WeChatSubscribeChannel(settings)
    return _accounts[key]
