"""POST /api/v1/reports/{id}/rating: the resident rates how their report's case was handled."""

from __future__ import annotations

from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.api.reports import find_readable_report
from service_api.auth.principal import current_principal, require_staff
from service_api.cases.workflow import Actor
from service_api.extensions import limiter
from service_api.feedback.ratings import RATINGS, submit_rating
from service_api.vocab import Source

# The reports blueprint owns url_prefix /api/v1/reports, so this one spells out its full paths.
blp = Blueprint("ratings", __name__, description="满意度评价（回访）")


class RatingInSchema(Schema):
    rating = fields.String(required=True, validate=validate.OneOf(tuple(RATINGS)),
                           metadata={"description": "satisfied 满意|basically_satisfied 基本满意|unsatisfied 不满意"})
    solved = fields.Boolean(load_default=None, allow_none=True, metadata={"description": "问题是否已解决"})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class RatingResultSchema(Schema):
    report_id = fields.Integer()
    case_no = fields.String()
    rating = fields.String()
    rating_text = fields.String()
    solved = fields.Boolean(allow_none=True)
    comment = fields.String(allow_none=True)
    created = fields.Boolean(metadata={"description": "true: 首次评价；false: 7天内修改了评价"})
    needs_review = fields.Boolean()
    reopened = fields.Boolean()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


@blp.route("/api/v1/reports/<string:report_ref>/rating")
class ReportRating(MethodView):
    @blp.arguments(RatingInSchema)
    @blp.response(200, RatingResultSchema)
    @limiter.limit("20/minute")
    def post(self, data: dict[str, Any], report_ref: str) -> Any:
        """对已办结案件评价：一个反映每轮结案一次评价，7天内可修改（新评价替换旧的；不带 comment 时保留原意见，
        comment 为 null 或空串时删除原意见），之后不能再改（409）；
        案件未办结时 409。案件重新办理后再次结案，可重新评价。

        不满意或问题未解决时案件转入复核（可配置为自动重新办理），并通知您。
        热线坐席（agent/dispatcher）电话回访后可代居民录入，渠道记为 hotline，并完成对应的回访任务。
        """
        principal = current_principal()
        agent = require_staff("agent", "dispatcher") if principal.is_staff else None
        report = find_readable_report(report_ref)
        channel = Source.HOTLINE if agent else Source.CHATBOT if principal.kind == "service" else Source.MINIPROGRAM
        # Any answer completes the resident's open survey callbacks (feedback/surveys.mark_answered).
        # No "comment" keeps an earlier comment; "comment": null or "" clears it (the resident emptied the field).
        raw = request.get_json(silent=True)
        clear = isinstance(raw, dict) and "comment" in raw and not (data.get("comment") or "").strip()
        outcome = submit_rating(report, data["rating"], data.get("solved"), data.get("comment"), channel,
                                actor=Actor.of_staff(agent) if agent is not None else None, clear_comment=clear)
        rating = outcome.rating
        return {
            "report_id": report.id, "case_no": report.case.case_no if report.case else None, "rating": rating.rating,
            "rating_text": RATINGS[rating.rating], "solved": rating.solved, "comment": rating.comment,
            "created": outcome.created, "needs_review": outcome.flagged, "reopened": outcome.reopened,
            "created_at": rating.created_at, "updated_at": rating.updated_at,
        }
