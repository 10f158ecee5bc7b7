"""Satisfaction statistics for reviewers and dispatchers (the JSON behind /staff/stats)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import require_staff
from service_api.errors import APIError
from service_api.models import utcnow
from service_api.services import stats
from service_api.services.cases import SHANGHAI

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="满意度与绩效统计")

STATS_ROLES = ("reviewer", "dispatcher", "admin")
MAX_DAYS = 3 * 366


class SatisfactionArgsSchema(Schema):
    from_ = fields.Date(data_key="from", format="%Y-%m-%d")
    to = fields.Date(format="%Y-%m-%d")
    group_by = fields.String(load_default="department", validate=validate.OneOf(stats.GROUP_BY))


class StatsRowSchema(Schema):
    key = fields.String(allow_none=True)
    label = fields.String()
    cases = fields.Integer()
    rated = fields.Integer()
    satisfied = fields.Integer()
    basically_satisfied = fields.Integer()
    unsatisfied = fields.Integer()
    satisfaction_rate = fields.Float(allow_none=True)
    solved_rate = fields.Float(allow_none=True)
    on_time_rate = fields.Float(allow_none=True)


class SatisfactionSchema(Schema):
    rows = fields.List(fields.Nested(StatsRowSchema))
    total = fields.Nested(StatsRowSchema)


def period_from(start: Any, end: Any) -> stats.Period:
    """The period asked for; the last 30 days by default. 422 when from > to or the range is too long."""
    today = utcnow().astimezone(SHANGHAI).date()
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise APIError(422, "bad_period", "开始日期不能晚于结束日期", {"from": ["after to"]})
    if (end - start).days > MAX_DAYS:
        raise APIError(422, "bad_period", f"统计期间最长 {MAX_DAYS} 天", {"from": ["period too long"]})
    return stats.Period(start, end)


@blp.route("/satisfaction")
class Satisfaction(MethodView):
    @blp.arguments(SatisfactionArgsSchema, location="query")
    @blp.response(200, SatisfactionSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """满意率等指标：按部门、事项小类/大类、区、街道、渠道或周分组（期间内受理的案件）。

        满意率 = (满意 + 基本满意) / 评价数；分母为 0 时为 null。
        """
        require_staff(*STATS_ROLES)
        period = period_from(args.get("from_"), args.get("to"))
        return stats.satisfaction(period, args["group_by"])
