"""Callbacks owed to residents by hotline agents (chatbot hand-offs and the like)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import current_principal
from service_api.errors import APIError
from service_api.hotline.callbacks import ask_callback, callback_phone
from service_api.models.hotline import CHATBOT_HANDOFF
from service_api.phones import InvalidPhone

blp = Blueprint("callbacks", __name__, url_prefix="/api/v1/callbacks", description="回电任务")


class TranscriptLineSchema(Schema):
    sender = fields.String(data_key="from", validate=validate.OneOf(["user", "bot", "agent"]))
    text = fields.String(validate=validate.Length(max=4000))
    at = fields.String(allow_none=True)


class CallbackCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf([CHATBOT_HANDOFF, "follow_up", "missed_call"]))
    sender_id = fields.String(validate=validate.Length(max=64), allow_none=True)
    phone = fields.String(validate=validate.Length(max=64), allow_none=True,
                          metadata={"description": "居民留的号码；不填时用已登录居民账号的手机号"})
    reason = fields.String(validate=validate.Length(max=1000), allow_none=True)
    transcript = fields.List(fields.Nested(TranscriptLineSchema), validate=validate.Length(max=200),
                             load_default=list)


@blp.route("")
class Callbacks(MethodView):
    @blp.arguments(CallbackCreateSchema)
    @blp.response(201)
    def post(self, data: dict[str, Any]) -> Any:
        """为热线坐席创建回电任务（如聊天机器人转人工）。"""
        principal = current_principal()
        if principal.kind not in ("service", "staff"):
            raise APIError(403, "service_only", "需要服务密钥或工作人员令牌")
        try:
            phone = callback_phone(data.get("phone"), principal.citizen_id)
        except InvalidPhone as exc:
            raise APIError(422, "bad_phone", f"回电号码不正确：{exc}", {"phone": [str(exc)]}) from exc
        transcript = [{"from": t.get("sender"), "text": t.get("text"), "at": t.get("at")} for t in data["transcript"]]
        callback = ask_callback(kind=data["kind"], phone=phone, reason=data.get("reason"), transcript=transcript,
                                citizen_id=principal.citizen_id,
                                chat_sender=principal.chat_sender or data.get("sender_id"))
        # The phone lets the chatbot tell the resident which number will ring.
        return {"id": callback.id, "due_at": callback.due_at, "phone": callback.phone}
