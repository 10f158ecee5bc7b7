"""Chat with the assistant: the mini-program's only way to the Rasa bot.

The resident's identity becomes Rasa's sender id: "citizen:<id>" from a resident bearer token, otherwise an
anonymous chat session "anon:<uuid>" that is returned as `session_id` and sent back in `X-Chat-Session`.
Messages go to Rasa's REST channel (the metadata-aware variant, so a GPS fix or photo ids reach the bot).

Rate limits key on the conversation, not on the client address alone: a carrier's NAT (CGNAT) or a WeChat/city
proxy puts many residents behind one address. Each conversation may send CHAT_LIMIT_PER_SESSION (30 a minute);
one address carries at most CHAT_LIMIT_PER_ADDRESS (600 a minute, all its conversations together), which still
stops one machine flooding the bot. A message without a session starts a new one and counts only per address.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import requests
from flask import current_app, g, request
from flask.views import MethodView
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import current_principal
from service_api.auth.tokens import idempotent_report_token
from service_api.errors import APIError
from service_api.extensions import db, limiter
from service_api.models import Citizen, utcnow
from service_api.privacy import mask_phone
from service_api.reports.lookup import keyed_reports_since

blp = Blueprint("chat", __name__, url_prefix="/api/v1/chat", description="智能客服")

RASA_WEBHOOK = "/webhooks/metadata_rest/webhook"
RASA_TIMEOUT_SECONDS = 30
ANON_SESSION = re.compile(r"^anon:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


class ChatRequestSchema(Schema):
    message = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    metadata = fields.Dict(keys=fields.String(), load_default=None, allow_none=True)


class ButtonSchema(Schema):
    title = fields.String()
    payload = fields.String()


class BotMessageSchema(Schema):
    text = fields.String(allow_none=True)
    buttons = fields.List(fields.Nested(ButtonSchema))
    image = fields.String(allow_none=True)


class FiledReportSchema(Schema):
    tracking_no = fields.String()
    access_token = fields.String(metadata={"description": "该反映的查看凭证（与提交反映时返回的 access_token 相同）"})


class ChatResponseSchema(Schema):
    session_id = fields.String()
    messages = fields.List(fields.Nested(BotMessageSchema))
    filed = fields.List(fields.Nested(FiledReportSchema), metadata={
        "description": "本条消息使机器人提交的反映：客户端应像自己提交的反映一样保存其凭证（如随手拍“我的”）"})


def sender_id() -> str:
    """citizen:<id> for a signed-in resident; else the client's anonymous session or a new one (once a request)."""
    cached = g.get("chat_sender")
    if cached is None or cached[0] is not request._get_current_object():
        cached = (request._get_current_object(), _resolve_sender())
        g.chat_sender = cached
    return cached[1]


def _resolve_sender() -> str:
    principal = current_principal()
    if principal.kind == "citizen" and principal.citizen_id is not None:
        return f"citizen:{principal.citizen_id}"
    session = (request.headers.get("X-Chat-Session") or "").strip().lower()
    if ANON_SESSION.match(session):
        return session
    return f"anon:{uuid.uuid4()}"


def session_limit_key() -> str:
    return f"chat-session:{sender_id()}"


def address_limit_key() -> str:
    return f"chat-address:{get_remote_address()}"


def _session_limit() -> str:
    return current_app.extensions["settings"].chat_limit_per_session


def _address_limit() -> str:
    return current_app.extensions["settings"].chat_limit_per_address


MSG_SESSION_LIMIT = "您发送消息太快了，请稍等片刻再发。"
MSG_ADDRESS_LIMIT = "当前网络下咨询的人较多，请稍后再试，或拨打 12345 热线反映问题。"


def to_message(raw: dict[str, Any]) -> dict[str, Any]:
    buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
               for b in raw.get("buttons") or [] if isinstance(b, dict)]
    return {"text": raw.get("text"), "buttons": buttons, "image": raw.get("image")}


def ask_rasa(sender: str, message: str, metadata: dict[str, Any] | None) -> list[dict[str, Any]]:
    url = current_app.extensions["settings"].rasa_url.rstrip("/") + RASA_WEBHOOK
    body: dict[str, Any] = {"sender": sender, "message": message}
    if metadata:
        body["metadata"] = metadata
    try:
        response = requests.post(url, json=body, timeout=RASA_TIMEOUT_SECONDS)
        response.raise_for_status()
        replies = response.json()
    except (requests.RequestException, ValueError) as exc:
        current_app.logger.warning("chat: Rasa at %s unavailable: %s", url, exc)
        raise APIError(503, "chatbot_unavailable", "智能客服暂时不可用，请稍后再试，或拨打12345热线") from exc
    return [to_message(r) for r in replies if isinstance(r, dict)] if isinstance(replies, list) else []


@blp.route("")
class Chat(MethodView):
    @blp.arguments(ChatRequestSchema)
    @blp.response(200, ChatResponseSchema)
    # Declared so that clients (and Swagger UI's "Try it out") can continue an anonymous conversation.
    @blp.doc(parameters=[{"in": "header", "name": "X-Chat-Session", "required": False, "schema": {"type": "string"},
                          "description": "匿名会话：原样带回上一次回复中的 session_id（anon:<uuid>）以继续同一段对话"}])
    @limiter.limit(_session_limit, key_func=session_limit_key, error_message=MSG_SESSION_LIMIT)
    @limiter.limit(_address_limit, key_func=address_limit_key, error_message=MSG_ADDRESS_LIMIT)
    def post(self, data: dict[str, Any]) -> Any:
        """向智能客服发送一条消息，返回机器人的回复（文字、按钮、图片）。

        会话：已登录居民（Authorization: Bearer 居民令牌）的对话属于其账号。未登录时，首次调用返回的
        `session_id`（形如 `anon:<uuid>`）标识一个匿名会话；之后每条消息请在请求头 `X-Chat-Session` 中原样带回
        该值，才能继续同一段对话（如正在填写的反映）。不带或格式不对时，每条消息都会开始一个新的匿名会话。
        """
        sender = sender_id()
        started = utcnow()
        messages = ask_rasa(sender, data["message"], bot_metadata(sender, data.get("metadata")))
        return {"session_id": sender, "messages": messages, "filed": filed_during(sender, started)}


# Metadata keys only the API sets: a client's own values under these names are dropped.
API_METADATA_KEYS = ("public_base_url", "account")


def bot_metadata(sender: str, client: dict[str, Any] | None) -> dict[str, Any]:
    """The client's metadata (GPS fix, photo ids) plus what the bot cannot know otherwise: the public base URL
    (for full links to public pages) and, for a signed-in resident, whether the account has a phone (shown
    masked; the bot then does not ask for one: a report is filed with the account phone)."""
    metadata = {k: v for k, v in (client or {}).items() if k not in API_METADATA_KEYS}
    metadata["public_base_url"] = current_app.extensions["settings"].public_base_url.rstrip("/")
    principal = current_principal()
    if principal.kind == "citizen" and principal.citizen_id is not None and sender == f"citizen:{principal.citizen_id}":
        citizen = db.session.get(Citizen, principal.citizen_id)
        metadata["account"] = {"phone": mask_phone(citizen.phone) if citizen is not None and citizen.phone else None}
    return metadata


def filed_during(sender: str, since: Any) -> list[dict[str, str]]:
    """The reports the bot filed for this conversation while answering this message, with their access tokens.

    The bot files through POST /api/v1/reports under an Idempotency-Key (bot/actions/api_client.py), so the
    token is derived, not stored: it is derived again here for the conversation's own client, which then keeps
    it as the web app keeps the token of a report it filed itself (else 我的 on that phone never shows it).
    A report filed without a key has an unrecoverable random token and is left out."""
    filed = []
    for report in keyed_reports_since(sender, since):
        if not (report.idempotency_scope and report.idempotency_key and report.idempotency_fingerprint):
            continue
        token, token_hash = idempotent_report_token(report.idempotency_scope, report.idempotency_key,
                                                    report.idempotency_fingerprint)
        if token_hash == report.access_token_hash:
            filed.append({"tracking_no": report.tracking_no, "access_token": token})
    return filed
