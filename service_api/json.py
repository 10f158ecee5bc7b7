"""JSON that speaks ISO 8601: datetimes with their offset, dates as YYYY-MM-DD."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask.json.provider import DefaultJSONProvider


class IsoJSONProvider(DefaultJSONProvider):
    ensure_ascii = False  # Chinese text stays readable

    @staticmethod
    def default(o: Any) -> Any:
        if isinstance(o, datetime | date):
            return o.isoformat()
        return DefaultJSONProvider.default(o)
