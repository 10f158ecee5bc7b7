"""Read the few EXIF facts intake uses (GPS position, capture time, orientation) defensively.

EXIF from phones, editors and hostile uploads is often malformed; every reader here returns None for
anything missing or nonsensical instead of raising, because a bad tag is no reason to refuse a photo.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from PIL import ExifTags, Image

SHANGHAI = ZoneInfo("Asia/Shanghai")

_TAG_ORIENTATION = 0x0112
_TAG_DATETIME = 0x0132
_TAG_DATETIME_ORIGINAL = 0x9003
_TAG_DATETIME_DIGITIZED = 0x9004
_TAG_OFFSET_TIME = 0x9010
_TAG_OFFSET_TIME_ORIGINAL = 0x9011
_TAG_OFFSET_TIME_DIGITIZED = 0x9012
_TAG_SUBSEC_TIME_ORIGINAL = 0x9291

_GPS_LAT_REF, _GPS_LAT, _GPS_LNG_REF, _GPS_LNG = 1, 2, 3, 4

_DATETIME_RE = re.compile(r"^\s*(\d{4})[:\-/](\d{2})[:\-/](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_OFFSET_RE = re.compile(r"^\s*([+-])(\d{2}):?(\d{2})\s*$")


def read_exif(img: Image.Image) -> Image.Exif | None:
    """The image's EXIF, or None when absent or unparsable."""
    try:
        exif = img.getexif()
    except Exception:
        return None
    return exif if len(exif) else None


def orientation(exif: Image.Exif | None) -> int:
    """EXIF orientation 1..8 (1 when missing or invalid)."""
    if exif is None:
        return 1
    try:
        value = int(exif.get(_TAG_ORIENTATION, 1))
    except (TypeError, ValueError):
        return 1
    return value if 1 <= value <= 8 else 1


def gps(exif: Image.Exif | None) -> tuple[float, float] | None:
    """(lat, lng) in WGS-84 decimal degrees, or None when absent or nonsense (out of range, 0/0, NaN)."""
    if exif is None:
        return None
    try:
        info = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None
    if not info:
        return None
    lat = _degrees(info.get(_GPS_LAT), info.get(_GPS_LAT_REF), positive="N", negative="S")
    lng = _degrees(info.get(_GPS_LNG), info.get(_GPS_LNG_REF), positive="E", negative="W")
    if lat is None or lng is None:
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lng <= 180.0):
        return None
    if lat == 0.0 and lng == 0.0:  # "null island": a receiver without a fix
        return None
    return (round(lat, 7), round(lng, 7))


def taken_at(exif: Image.Exif | None) -> datetime | None:
    """Capture time as aware UTC. Naive EXIF times are read as Asia/Shanghai wall-clock time."""
    if exif is None:
        return None
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        sub = {}
    candidates = (
        (sub.get(_TAG_DATETIME_ORIGINAL), sub.get(_TAG_OFFSET_TIME_ORIGINAL), sub.get(_TAG_SUBSEC_TIME_ORIGINAL)),
        (sub.get(_TAG_DATETIME_DIGITIZED), sub.get(_TAG_OFFSET_TIME_DIGITIZED), None),
        (exif.get(_TAG_DATETIME), sub.get(_TAG_OFFSET_TIME), None),
    )
    for value, offset, subsec in candidates:
        parsed = _parse_datetime(value, offset, subsec)
        if parsed is not None:
            return parsed
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.replace("\x00", "").strip() or None


def _parse_datetime(value: Any, offset: Any, subsec: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    match = _DATETIME_RE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups())
    if year < 1970:
        return None
    microsecond = 0
    sub_text = _text(subsec)
    if sub_text and sub_text.isdigit():
        microsecond = int((sub_text + "000000")[:6])
    try:
        naive = datetime(year, month, day, hour, minute, second, microsecond)
    except ValueError:
        return None
    tz = _parse_offset(offset) or SHANGHAI
    return naive.replace(tzinfo=tz).astimezone(UTC)


def _parse_offset(value: Any) -> timezone | None:
    text = _text(value)
    if text is None:
        return None
    match = _OFFSET_RE.match(text)
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14) or int(minutes) >= 60:
        return None
    return timezone(-delta if sign == "-" else delta)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _degrees(value: Any, ref: Any, *, positive: str, negative: str) -> float | None:
    """Degrees/minutes/seconds (or a bare decimal) with its hemisphere reference, as signed degrees."""
    if value is None:
        return None
    parts = list(value) if isinstance(value, (tuple, list)) else [value]
    if not 1 <= len(parts) <= 3:
        return None
    numbers = [_number(p) for p in parts]
    if any(n is None or n < 0 for n in numbers):
        return None
    deg, minutes, seconds = (numbers + [0.0, 0.0])[:3]
    assert deg is not None and minutes is not None and seconds is not None
    if minutes >= 60 or seconds >= 60:
        return None
    decimal = deg + minutes / 60.0 + seconds / 3600.0
    ref_text = (_text(ref) or positive).upper()[:1]
    if ref_text == negative:
        return -decimal
    if ref_text == positive:
        return decimal
    return None
