"""Satisfaction and performance for reviewers and dispatchers (/staff/stats) and its CSV/XLSX export, with the
same filters, the same 422s and the same figures as GET /api/v1/stats/satisfaction."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template

from service_api.api.stats import SatisfactionArgsSchema, period_from
from service_api.audit.actions import AuditAction
from service_api.audit.record import record
from service_api.extensions import db
from service_api.maps.rates import LEVELS as MAP_LEVELS
from service_api.models import utcnow
from service_api.staff.auth import login_required
from service_api.staff.console import STATS_ROLES, blp
from service_api.staff.forms import checked_args
from service_api.stats import export as stats_downloads
from service_api.stats import figures as stats
from service_api.stats import indicators as stats_indicators


def _stats_args() -> tuple[stats.Period, str, str]:
    """Period, grouping and basis as GET /api/v1/stats/satisfaction takes them (same schema, same 422s)."""
    args = checked_args(SatisfactionArgsSchema())
    return period_from(args.get("from_"), args.get("to")), args["group_by"], args["basis"]


@blp.get("/stats")
@login_required(*STATS_ROLES)
def stats_page() -> Any:
    period, group_by, basis = _stats_args()
    page = stats.page_figures(period, group_by, basis)
    result, trend, by_department = page.result, page.trend, page.by_department
    chart = {
        "trend": {"labels": [r.label for r in trend.rows],
                  "satisfaction": [r.satisfaction_rate for r in trend.rows],
                  "closed_rate": [r.closed_rate for r in trend.rows],
                  "on_time": [r.on_time_close_rate for r in trend.rows],
                  "cases": [r.cases for r in trend.rows]},
        "departments": {"labels": [r.label for r in by_department.rows if r.rated],
                        "satisfaction": [r.satisfaction_rate for r in by_department.rows if r.rated]},
    }
    from service_api.learning.accuracy import weekly_accuracy
    from service_api.learning.loop import latest_run

    return render_template(
        "staff/stats.html", result=result, period=period, group_by=group_by, groups=stats.GROUP_TEXT, chart=chart,
        intake_weeks=weekly_accuracy(utcnow()), intake_run=latest_run(),
        worst=page.worst, comments=page.comments, basis=basis, bases=stats_indicators.BASES, map_levels=MAP_LEVELS,
        ind=stats_indicators.BY_NAME, indicators=stats_indicators.INDICATORS,
        export_args={"from": period.start.isoformat(), "to": period.end.isoformat(), "group_by": group_by,
                     "basis": basis},
    )


@blp.get("/stats/export.<any(csv, xlsx):fmt>")
@login_required(*STATS_ROLES)
def stats_export(fmt: str) -> Response:
    period, group_by, basis = _stats_args()
    result = stats.compute(period, group_by, basis=basis)
    comments = stats.unsatisfied_comments(period, limit=1000, basis=basis)
    name = f"satisfaction_{group_by}_{basis}_{period.start:%Y%m%d}_{period.end:%Y%m%d}.{fmt}"
    record(AuditAction.EXPORT, object_type="stats", object_id=name, detail={
        "format": fmt, "from": period.start.isoformat(), "to": period.end.isoformat(), "group_by": group_by,
        "basis": basis, "comments": len(comments)})
    db.session.commit()
    if fmt == "csv":
        # content_type as is: a `mimetype` of text/* gets "; charset=utf-8" added by Flask a second time
        response = Response(stats_downloads.to_csv(result, comments), content_type="text/csv; charset=utf-8")
    else:
        response = Response(stats_downloads.to_xlsx(result, comments),
                            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
