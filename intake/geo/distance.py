"""Great-circle helpers on the CGCS2000/WGS-84 sphere approximation (good to ~0.5% at city scale)."""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_M = 6371008.8

# 8-point compass, clockwise from north; bearings in degrees.
DIRECTIONS = ("北", "东北", "东", "东南", "南", "西南", "西", "西北")
DIRECTION_BEARINGS = {name: i * 45.0 for i, name in enumerate(DIRECTIONS)}


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Distance in metres between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_many(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Vectorised haversine (numpy broadcasting) in metres."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lng2) - np.asarray(lng1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def bearing_deg(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lng2 - lng1)
    x = math.sin(dl) * math.cos(p2)
    y = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(x, y)) % 360.0


def bearing_many(lat1, lng1, lat2, lng2) -> np.ndarray:
    """Vectorised :func:`bearing_deg`."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(np.asarray(lng2) - np.asarray(lng1))
    x = np.sin(dl) * np.cos(p2)
    y = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arctan2(x, y)) % 360.0


def direction_names(bearings: np.ndarray) -> list[str]:
    """Vectorised :func:`direction_name`."""
    idx = (((np.asarray(bearings) % 360.0) + 22.5) // 45.0).astype(np.int64) % 8
    return [DIRECTIONS[k] for k in idx.tolist()]


def direction_name(bearing: float) -> str:
    """The 8-point compass name (东, 东南, ...) of a bearing."""
    return DIRECTIONS[int(((bearing % 360.0) + 22.5) // 45.0) % 8]


def destination(lat: float, lng: float, bearing: float, distance_m: float) -> tuple[float, float]:
    """Point reached from (lat, lng) going `distance_m` metres along `bearing` degrees."""
    d = distance_m / EARTH_RADIUS_M
    b = math.radians(bearing)
    p1, l1 = math.radians(lat), math.radians(lng)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540.0) % 360.0 - 180.0
