"""Intake preview for the hotline console, the chatbot and the residents' web app: what would intake make of this?"""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import current_principal
from service_api.cases import intake_runtime
from service_api.cases.preview import preview
from service_api.errors import APIError
from service_api.extensions import limiter
from service_api.privacy import mask_text
from service_api.reports.accept import DESCRIPTION_MAX
from service_api.schemas.common import LocationSchema
from service_api.schemas.reports import DESCRIPTION_LENGTH

blp = Blueprint("intake", __name__, url_prefix="/api/v1/intake", description="智能受理预览")


class PreviewSchema(Schema):
    # The report's own limit: a text the preview takes is never refused when it is filed.
    text = fields.String(required=True, validate=[validate.Length(min=1),
                                                  validate.Length(max=DESCRIPTION_MAX, error=DESCRIPTION_LENGTH)],
                         metadata={"description": f"要预览的问题描述，最多 {DESCRIPTION_MAX} 字（与反映的描述相同）"})
    location = fields.Nested(LocationSchema, allow_none=True)
    address = fields.String(validate=validate.Length(max=255), allow_none=True)


@blp.route("/preview")
class Preview(MethodView):
    @blp.arguments(PreviewSchema)
    @blp.response(200)
    @limiter.limit("120/minute")
    # Residents may preview before signing in (the web app suggests the matter as they type): the budget of a
    # caller without a token is its IP's, and smaller, since each preview runs the classifier and geocoder.
    @limiter.limit("40/minute", exempt_when=lambda: bool(request.headers.get("Authorization")))
    def post(self, data: dict[str, Any]) -> Any:
        """分类候选、定位结果和附近同类在办案件（供热线坐席、聊天机器人和居民随手拍确认；未登录按 IP 限流）。"""
        result = preview(data["text"], data.get("location"), data.get("address"))
        if not current_principal().is_staff:
            # Open to anyone: an address in a case is the resident's free text, which may hold a phone number.
            for case in result["nearby_cases"]:
                case["address"] = mask_text(case["address"])
        return result


class PlacesSchema(Schema):
    gazetteer_version = fields.Integer(metadata={"description": "0 = the shipped demo city; +1 on every import"})
    roads = fields.List(fields.String())
    pois = fields.List(fields.String(), metadata={"description": "POI names and their aliases"})
    areas = fields.List(fields.String(), metadata={"description": "district, street and community names"})


@blp.route("/places")
class Places(MethodView):
    @blp.response(200, PlacesSchema)
    def get(self) -> Any:
        """地名表：道路、兴趣点（含别名）和区、街道、社区名称（供聊天机器人生成地名词典，仅限服务或工作人员令牌）。"""
        principal = current_principal()
        if principal.kind not in ("service", "staff"):
            raise APIError(401, "service_only", "需要服务或工作人员令牌")
        names = intake_runtime.geocoder().gaz.place_names()
        return {"gazetteer_version": intake_runtime.gazetteer_version(), **names}
