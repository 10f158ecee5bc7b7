"""Callbacks owed to residents by hotline agents (chatbot hand-offs and the like)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import current_principal
from service_api.errors import APIError
from service_api.extensions import db
from service_api.schemas.common import PhoneField
from service_api.services.callbacks import create_callback

blp = Blueprint("callbacks", __name__, url_prefix="/api/v1/callbacks", description="回电任务")


class TranscriptLineSchema(Schema):
    sender = fields.String(data_key="from", validate=validate.OneOf(["user", "bot", "agent"]))
    text = fields.String(validate=validate.Length(max=4000))
    at = fields.String(allow_none=True)


class CallbackCreateSchema(Schema):
    kind = fields.String(required=True, validate=validate.OneOf(["chatbot_handoff", "follow_up", "missed_call"]))
    sender_id = fields.String(validate=validate.Length(max=64), allow_none=True)
    phone = PhoneField(allow_none=True)
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
        callback = create_callback(
            kind=data["kind"], phone=data.get("phone"), reason=data.get("reason"),
            transcript=[{"from": t.get("sender"), "text": t.get("text"), "at": t.get("at")}
                        for t in data["transcript"]],
            citizen_id=principal.citizen_id,
        )
        db.session.commit()
        return {"id": callback.id, "due_at": callback.due_at}
