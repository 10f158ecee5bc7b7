"""API of residents' personal data: staff reveal a case's contacts; residents export or erase their own data."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import current_principal, require_staff
from service_api.cases.queries import get_visible_case
from service_api.errors import APIError
from service_api.extensions import db
from service_api.personal_data import residents
from service_api.personal_data.reveal import MAX_REASON, REVEAL_REASONS, REVEAL_ROLES, reveal_contacts

blp = Blueprint("personal_data", __name__, url_prefix="/api/v1", description="个人信息")


class RevealSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=MAX_REASON), metadata={
        "description": "查看原因：" + "、".join(f"{k}（{v}）" for k, v in REVEAL_REASONS.items()) + "，或直接填写原因"})


class RevealedContactSchema(Schema):
    tracking_no = fields.String()
    channel = fields.String()
    phone = fields.String(allow_none=True)
    name = fields.String(allow_none=True)


class RevealedSchema(Schema):
    case_no = fields.String()
    contacts = fields.List(fields.Nested(RevealedContactSchema))


@blp.route("/cases/<case_no>/contact/reveal")
class ContactReveal(MethodView):
    @blp.arguments(RevealSchema)
    @blp.response(200, RevealedSchema)
    def post(self, data: dict[str, Any], case_no: str) -> Any:
        """查看案件反映人的完整联系方式（须说明原因；记入审计日志，每人每小时限次）。"""
        staff = require_staff(*REVEAL_ROLES)
        case = get_visible_case(case_no, staff)
        contacts = reveal_contacts(case, staff, data["reason"])
        db.session.commit()
        return {"case_no": case.case_no, "contacts": [c.__dict__ for c in contacts]}


def _citizen_id() -> int:
    principal = current_principal()
    if principal.kind != "citizen" or principal.citizen_id is None:
        raise APIError(401, "login_required", "请先以居民身份登录（微信或短信验证码）")
    return principal.citizen_id


@blp.route("/me/export")
class MyExport(MethodView):
    @blp.response(200, {"type": "object"})
    def get(self) -> Any:
        """下载本人的全部数据（JSON）：反映、评价、通知、联系偏好。"""
        data = residents.export_citizen(_citizen_id())
        db.session.commit()
        response = Response(json.dumps(data, ensure_ascii=False, indent=1, default=str),
                            mimetype="application/json")
        response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
        response.headers["Cache-Control"] = "no-store"
        return response


@blp.route("/me")
class Me(MethodView):
    @blp.response(204)
    def delete(self) -> Any:
        """注销本人账号：删除个人信息，本人的反映作为匿名反映保留（案件不受影响）。"""
        residents.delete_citizen(_citizen_id())
        db.session.commit()
        return ""
