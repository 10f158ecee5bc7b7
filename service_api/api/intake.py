"""Intake preview for the hotline console and the chatbot: what would intake make of this?"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import current_principal
from service_api.errors import APIError
from service_api.extensions import limiter
from service_api.schemas.common import LocationSchema
from service_api.services.preview import preview

blp = Blueprint("intake", __name__, url_prefix="/api/v1/intake", description="智能受理预览")


class PreviewSchema(Schema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=4000))
    location = fields.Nested(LocationSchema, allow_none=True)
    address = fields.String(validate=validate.Length(max=255), allow_none=True)


@blp.route("/preview")
class Preview(MethodView):
    @blp.arguments(PreviewSchema)
    @blp.response(200)
    @limiter.limit("120/minute")
    def post(self, data: dict[str, Any]) -> Any:
        """分类候选、定位结果和附近同类在办案件（供热线坐席与聊天机器人确认）。"""
        principal = current_principal()
        if principal.kind not in ("service", "staff", "citizen"):
            raise APIError(401, "login_required", "需要登录、工作人员或服务令牌")
        return preview(data["text"], data.get("location"), data.get("address"))
