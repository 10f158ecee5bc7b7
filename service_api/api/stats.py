"""Satisfaction statistics for reviewers and dispatchers (the JSON behind /staff/stats)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import require_staff
from service_api.cases.queries import SHANGHAI
from service_api.errors import APIError
from service_api.models import utcnow
from service_api.stats import figures as stats
from service_api.stats.indicators import BASES, DEFAULT_BASIS, INDICATORS, MEDIAN_COUNTS, openapi_text

blp = Blueprint("stats", __name__, url_prefix="/api/v1/stats", description="满意度与绩效统计")

STATS_ROLES = ("reviewer", "dispatcher", "admin")
MAX_DAYS = 3 * 366


class SatisfactionArgsSchema(Schema):
    from_ = fields.Date(data_key="from", format="%Y-%m-%d")
    to = fields.Date(format="%Y-%m-%d")
    group_by = fields.String(load_default="department", validate=validate.OneOf(stats.GROUP_BY))
    basis = fields.String(load_default=DEFAULT_BASIS, validate=validate.OneOf(
        BASES, error="统计口径 basis 只能是 {choices}"), metadata={"description": "；".join(
            f"{key}：{label}（{text}）" for key, (label, text) in BASES.items())})


def _row_fields() -> dict[str, fields.Field]:
    """Every indicator of stats_indicators with its definition as description; rates with their numerator and
    denominator, medians with the count of cases they cover."""
    columns: dict[str, fields.Field] = {
        "key": fields.String(allow_none=True), "label": fields.String(),
        "cases": fields.Integer(metadata={"description": "受理数（同 received）"}),
    }
    for indicator in INDICATORS:
        text = f"{indicator.label}：{indicator.definition}"
        if indicator.is_rate:
            columns[indicator.name] = fields.Float(allow_none=True,
                                                   metadata={"description": f"{text}；分母为 0 时为 null"})
            for part, word in (("numerator", "分子"), ("denominator", "分母")):
                columns[f"{indicator.name}_{part}"] = fields.Integer(
                    metadata={"description": f"{indicator.label}的{word}"})
        elif indicator.name in MEDIAN_COUNTS:
            columns[indicator.name] = fields.Float(allow_none=True, metadata={"description": text})
            columns[MEDIAN_COUNTS[indicator.name]] = fields.Integer(
                metadata={"description": f"{indicator.label}所含的案件数"})
        else:
            columns[indicator.name] = fields.Integer(metadata={"description": text})
    return columns


StatsRowSchema = Schema.from_dict(_row_fields(), name="StatsRowSchema")


class SatisfactionSchema(Schema):
    from_ = fields.Date(data_key="from", attribute="from")
    to = fields.Date()
    group_by = fields.String()
    basis = fields.String(metadata={"description": "统计口径：created 按受理时间，closed 按结案时间"})
    basis_text = fields.String()
    rows = fields.List(fields.Nested(StatsRowSchema))
    total = fields.Nested(StatsRowSchema)


def period_from(start: Any, end: Any) -> stats.Period:
    """The period asked for; the last 30 days by default. 422 when from > to or the range is too long."""
    today = utcnow().astimezone(SHANGHAI).date()
    end = end or today
    start = start or end - timedelta(days=29)
    if start > end:
        raise APIError(422, "bad_period", f"开始日期不能晚于结束日期（{start} 晚于 {end}）",
                       {"from": ["开始日期不能晚于结束日期"]})
    if (end - start).days > MAX_DAYS:
        raise APIError(422, "bad_period", f"统计期间最长 {MAX_DAYS} 天，请缩短开始日期到结束日期的范围",
                       {"from": [f"统计期间最长 {MAX_DAYS} 天"]})
    return stats.Period(start, end)


@blp.route("/satisfaction")
class Satisfaction(MethodView):
    @blp.arguments(SatisfactionArgsSchema, location="query")
    @blp.response(200, SatisfactionSchema)
    @blp.doc(description="期间为北京时间的日期（含首尾）；口径 basis 为期间内受理（created）或结案（closed）的案件。"
                         "各指标的定义（stats_indicators，与统计页和导出的说明一致）：\n\n" + openapi_text())
    def get(self, args: dict[str, Any]) -> Any:
        """受理、立案、结案率、按期结案率、满意率等指标：按部门、事项、区、街道、社区、渠道、周或月分组"""
        require_staff(*STATS_ROLES)
        period = period_from(args.get("from_"), args.get("to"))
        return stats.satisfaction(period, args["group_by"], args["basis"])
