"""Rates by street or community for the stats page's choropleth: the same figures as its table grouped by street
or community (stats.compute on the per-day rollup), keyed by area code for the map."""

from __future__ import annotations

from typing import Any

from service_api.stats import figures as stats
from service_api.stats.indicators import BY_NAME

# The rates a reviewer colours the streets by: satisfaction, on-time closing, handling.
MAP_RATES = ("satisfaction_rate", "on_time_close_rate", "handling_rate")
LEVELS = ("street", "community")  # area levels that are stats dimensions (stats/rollup.DIMENSIONS)


def area_rates(period: stats.Period, basis: str, level: str = "street") -> dict[str, Any]:
    result = stats.compute(period, level, medians=False, basis=basis)
    areas: dict[str, dict[str, Any]] = {}
    for row in result.rows:
        if not row.key:
            continue  # cases without a place: in the table as 未知, nowhere on the map
        areas[row.key] = {"name": row.label, "cases": row.cases, **{
            name: {"value": row.rate(name), "numerator": row.fraction(name)[0],
                   "denominator": row.fraction(name)[1]} for name in MAP_RATES}}
    return {"level": level, "from": period.start.isoformat(), "to": period.end.isoformat(), "basis": basis,
            "rates": [{"name": name, "label": BY_NAME[name].label, "definition": BY_NAME[name].definition}
                      for name in MAP_RATES],
            "areas": areas}
