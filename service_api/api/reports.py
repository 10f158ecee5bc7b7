"""POST/GET reports: the mini-program's (and every JSON client's) way to report and follow up."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from service_api.auth.principal import current_principal
from service_api.errors import APIError
from service_api.extensions import limiter
from service_api.models import Report
from service_api.reports.accept import Accepted, ReportInput, file_report
from service_api.reports.lookup import report_by_ref
from service_api.reports.view import report_to_dict
from service_api.schemas.reports import ReportCreatedSchema, ReportCreateSchema, ReportOutSchema
from service_api.vocab import Source

blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports", description="居民反映（上报与查询）")

IDEMPOTENCY_KEY_MAX = 128
# Sources that only our own surfaces may claim (a resident's app reports as miniprogram or web).
PRIVILEGED_CHANNELS = {Source.HOTLINE, Source.CHATBOT, Source.SMS, Source.VOICE, Source.OPEN311}


@blp.before_request
def _json_body_only() -> None:
    """A report is sent as JSON: any other body (a form, text/plain) is refused as such. Read as JSON it was an
    empty object, and the client was told "description 必填" about a description it had sent."""
    if request.method == "POST" and not request.is_json:
        raise APIError(415, "json_required", "请求体应为 JSON：请使用 Content-Type: application/json 发送反映",
                       {"Content-Type": [request.mimetype or "（未设置）"]})


def submit(data: dict[str, Any], default_channel: str) -> tuple[Accepted, int]:
    """Shared by every JSON channel: validate who may name a channel, accept, run intake."""
    principal = current_principal()
    channel = data.get("channel") or default_channel
    if channel in PRIVILEGED_CHANNELS and principal.kind not in ("service", "staff"):
        raise APIError(403, "channel_forbidden", f"渠道 {channel} 只能由服务或工作人员提交", {"channel": [channel]})
    key = request.headers.get("Idempotency-Key")
    if key is not None and not (0 < len(key) <= IDEMPOTENCY_KEY_MAX):
        raise APIError(400, "bad_idempotency_key", f"Idempotency-Key 长度应为 1-{IDEMPOTENCY_KEY_MAX}")
    accepted = file_report(
        ReportInput(
            description=data["description"], channel=channel, location=data.get("location"),
            address=data.get("address"), photo_ids=data.get("photo_ids") or [], contact=data.get("contact"),
            category_hint=data.get("category_hint"), join_case_no=data.get("join_case_no"), idempotency_key=key,
            component_code=data.get("component_code"),
        ),
        principal,
    )
    return accepted, 201 if accepted.created else 200


def find_readable_report(report_ref: str) -> Report:
    """A report by id or tracking number that the caller may read; 404 hides others' reports.

    Without a token the answer is 401 whether or not the report exists, before looking: answering 401 for
    existing ids and 404 for the others told anyone which report ids and tracking numbers exist.
    """
    principal = current_principal()
    if principal.kind == "anonymous":
        raise APIError(401, "token_required", "查看反映需要令牌（提交时返回的 access_token 或登录令牌）")
    report = report_by_ref(report_ref)
    if report is None or not principal.can_read_report(report):
        raise APIError(404, "report_not_found", f"未找到反映 {report_ref}")
    return report


@blp.route("")
class Reports(MethodView):
    @blp.arguments(ReportCreateSchema())  # an instance: a class would be instantiated per request
    @blp.response(201, ReportCreatedSchema)
    @blp.alt_response(200, schema=ReportCreatedSchema, description="Idempotency-Key 重放：返回第一次的反映")
    @limiter.limit("30/minute")
    def post(self, data: dict[str, Any]) -> Any:
        """提交一条反映。

        先保存并提交，再做智能分类与定位；同一 Idempotency-Key 重放返回同一条反映（200）。
        """
        accepted, status = submit(data, Source.MINIPROGRAM)
        return report_to_dict(accepted.report, access_token=accepted.access_token), status


@blp.route("/<string:report_ref>")
class ReportById(MethodView):
    @blp.response(200, ReportOutSchema)
    def get(self, report_ref: str) -> Any:
        """按编号或受理编号查看自己的反映：状态、案件编号、时间线、处置结果、评价。"""
        return report_to_dict(find_readable_report(report_ref), masked=current_principal().is_staff)
