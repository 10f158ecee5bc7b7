"""The signed-in resident's own reports."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from service_api.auth.principal import current_principal
from service_api.errors import APIError
from service_api.reports.lookup import own_reports_page
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
        page, size = args["page"], args["page_size"]
        # Also what was filed with the resident's phone from other channels (Principal.can_read_report).
        rows, total = own_reports_page(principal.citizen_id, principal.chat_sender, page, size)
        return {"items": [report_to_dict(r) for r in rows], "total": total, "page": page, "page_size": size}
