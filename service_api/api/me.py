"""The signed-in resident's own reports."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from service_api.auth.principal import current_principal
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Report
from service_api.reports.phone_match import owned_reports
from service_api.reports.view import report_to_dict
from service_api.schemas.common import PageArgsSchema
from service_api.schemas.reports import ReportPageSchema

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="我的反映")


@blp.route("/reports")
class MyReports(MethodView):
    @blp.arguments(PageArgsSchema, location="query")
    @blp.response(200, ReportPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """我的反映（含用本人手机号作为联系电话提交的反映），最新的在前，分页。"""
        principal = current_principal()
        if principal.citizen_id is None and principal.chat_sender is None:
            raise APIError(401, "login_required", "请先登录")
        query = db.session.query(Report)
        if principal.citizen_id is not None:
            # Also what was filed with the resident's phone from other channels (Principal.can_read_report).
            query = query.filter(owned_reports(principal.citizen_id))
        else:
            query = query.filter(Report.channel_ref == principal.chat_sender)
        total = query.count()
        page, size = args["page"], args["page_size"]
        rows = query.order_by(Report.created_at.desc(), Report.id.desc()).offset((page - 1) * size).limit(size)
        return {"items": [report_to_dict(r) for r in rows], "total": total, "page": page, "page_size": size}
