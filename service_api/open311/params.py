"""Reading Open311 parameters: ISO 8601 datetimes, "true"/"false" booleans, WGS-84 points, jurisdictions."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app

SHANGHAI = ZoneInfo("Asia/Shanghai")
DEFAULT_JURISDICTIONS = "qingdao.shinan"


class Open311Error(Exception):
    """Answered as [{"code": status, "description": ...}] (or <errors><error>) with that HTTP status."""

    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


def parse_datetime(value: str, name: str) -> datetime:
    """ISO 8601 (date, or date and time, with or without offset); no offset means Beijing time. Aware UTC."""
    text = value.strip()
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        raise Open311Error(400, f"{name} 不是有效的 ISO 8601 时间：{value[:40]}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment.astimezone(UTC)


def format_datetime(moment: datetime | None) -> str | None:
    """2026-11-24T09:30:00+08:00"""
    if moment is None:
        return None
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def parse_bool(value: str | None, name: str, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    raise Open311Error(400, f"{name} 应为 true 或 false")


def parse_int(value: str | None, name: str, default: int, minimum: int, maximum: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise Open311Error(400, f"{name} 应为整数") from None
    if not minimum <= number <= maximum:
        raise Open311Error(400, f"{name} 应在 {minimum} 到 {maximum} 之间")
    return number


def parse_point(lat: str | None, lng: str | None) -> tuple[float, float] | None:
    """A WGS-84 lat/long pair, or None when neither is given; 400 for half a pair or nonsense."""
    lat, lng = (lat or "").strip(), (lng or "").strip()
    if not lat and not lng:
        return None
    if not lat or not lng:
        raise Open311Error(400, "lat 与 long 须同时提供")
    try:
        lat_value, lng_value = float(lat), float(lng)
    except ValueError:
        raise Open311Error(400, "lat/long 应为十进制度数（WGS-84）") from None
    if not (-90 <= lat_value <= 90 and -180 <= lng_value <= 180):
        raise Open311Error(400, "lat/long 超出范围（纬度 -90～90，经度 -180～180）")
    return lat_value, lng_value


def jurisdictions() -> list[str]:
    """OPEN311_JURISDICTIONS (comma list); the first is this deployment's default."""
    raw = current_app.extensions["settings"].open311_jurisdictions or DEFAULT_JURISDICTIONS
    return [j.strip() for j in raw.split(",") if j.strip()]


def check_jurisdiction(value: str | None) -> str:
    known = jurisdictions()
    if value:
        if value not in known:
            raise Open311Error(400, f"jurisdiction_id {value[:40]} 不存在，可用：{', '.join(known)}")
        return value
    if len(known) > 1:
        raise Open311Error(400, f"本平台服务多个辖区，须提供 jurisdiction_id（{', '.join(known)}）")
    return known[0]
