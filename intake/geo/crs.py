"""Coordinate systems used by Chinese map clients, converted to and from CGCS2000.

CGCS2000 (EPSG:4490) and WGS-84 differ by centimetres at city scale, so they are treated as equal.
GCJ-02 is the obfuscated system of the national surveying bureau (Tencent/WeChat, AMap); BD-09 is Baidu's
offset on top of GCJ-02. The forward transforms are the published formulas; the inverses are solved
iteratively to well under a centimetre.
"""

from __future__ import annotations

import math

import numpy as np

CRS_NAMES = ("wgs84", "gcj02", "bd09", "cgcs2000")

_A = 6378245.0  # Krasovsky 1940 semi-major axis used by GCJ-02
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
_TOLERANCE_DEG = 1e-10  # ~1e-5 m
_MAX_ITER = 30


def _check(lat: float, lng: float, crs: str) -> str:
    key = str(crs).strip().lower().replace("-", "").replace("_", "")
    if key not in CRS_NAMES:
        raise ValueError(f"unknown crs {crs!r}; expected one of {', '.join(CRS_NAMES)}")
    if not isinstance(lat, (int, float)) or not isinstance(lng, (int, float)) or isinstance(lat, bool):
        raise ValueError("lat and lng must be numbers")
    if not (math.isfinite(lat) and math.isfinite(lng)):
        raise ValueError("lat and lng must be finite")
    if not -90.0 <= lat <= 90.0:
        raise ValueError(f"lat {lat} out of range [-90, 90]")
    if not -180.0 <= lng <= 180.0:
        raise ValueError(f"lng {lng} out of range [-180, 180]")
    return key


def out_of_china(lat: float, lng: float) -> bool:
    """The published transforms leave points outside this box unshifted."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _delta(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    dlat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    dlng += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlng += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * math.pi
    magic = 1.0 - _EE * math.sin(radlat) ** 2
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlat, dlng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if out_of_china(lat, lng):
        return lat, lng
    dlat, dlng = _delta(lat, lng)
    return lat + dlat, lng + dlng


def gcj02_to_bd09(lat: float, lng: float) -> tuple[float, float]:
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * _X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * _X_PI)
    return z * math.sin(theta) + 0.006, z * math.cos(theta) + 0.0065


def _invert(func, lat: float, lng: float) -> tuple[float, float]:
    """Solve func(x) = (lat, lng) by fixed-point iteration (the offsets vary slowly with position)."""
    glat, glng = lat, lng
    for _ in range(_MAX_ITER):
        flat, flng = func(glat, glng)
        dlat, dlng = lat - flat, lng - flng
        glat, glng = glat + dlat, glng + dlng
        if abs(dlat) < _TOLERANCE_DEG and abs(dlng) < _TOLERANCE_DEG:
            break
    return glat, glng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    if out_of_china(lat, lng):
        return lat, lng
    return _invert(wgs84_to_gcj02, lat, lng)


def bd09_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    return _invert(gcj02_to_bd09, lat, lng)


def to_cgcs2000(lat: float, lng: float, crs: str = "wgs84") -> tuple[float, float]:
    """Convert a position given in `crs` to CGCS2000 (lat, lng). ValueError on bad input."""
    key = _check(lat, lng, crs)
    lat, lng = float(lat), float(lng)
    if key in ("wgs84", "cgcs2000"):
        return lat, lng
    if key == "gcj02":
        return gcj02_to_wgs84(lat, lng)
    return gcj02_to_wgs84(*bd09_to_gcj02(lat, lng))


def from_cgcs2000(lat: float, lng: float, crs: str = "wgs84") -> tuple[float, float]:
    """Convert a CGCS2000 position (lat, lng) to `crs`. ValueError on bad input."""
    key = _check(lat, lng, crs)
    lat, lng = float(lat), float(lng)
    if key in ("wgs84", "cgcs2000"):
        return lat, lng
    gcj = wgs84_to_gcj02(lat, lng)
    if key == "gcj02":
        return gcj
    return gcj02_to_bd09(*gcj)


def normalise_crs(crs: str) -> str:
    """Canonical crs name ("WGS-84" → "wgs84"); ValueError when unknown."""
    return _check(0.0, 0.0, crs)


def _delta_np(lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x, y = lng - 105.0, lat - 35.0
    pi = np.pi
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    dlat += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    dlng += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlng += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = 1.0 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrtmagic) * pi)
    dlng = (dlng * 180.0) / (_A / sqrtmagic * np.cos(radlat) * pi)
    inside = (lng >= 72.004) & (lng <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)
    return np.where(inside, dlat, 0.0), np.where(inside, dlng, 0.0)


def _gcj_np(lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlat, dlng = _delta_np(lat, lng)
    return lat + dlat, lng + dlng


def _bd_np(lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lng * lng + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lng) + 0.000003 * np.cos(lng * _X_PI)
    return z * np.sin(theta) + 0.006, z * np.cos(theta) + 0.0065


def _invert_np(func, lat: np.ndarray, lng: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    glat, glng = lat.copy(), lng.copy()
    for _ in range(_MAX_ITER):
        flat, flng = func(glat, glng)
        dlat, dlng = lat - flat, lng - flng
        glat += dlat
        glng += dlng
        if np.all(np.abs(dlat) < _TOLERANCE_DEG) and np.all(np.abs(dlng) < _TOLERANCE_DEG):
            break
    return glat, glng


def to_cgcs2000_many(lats, lngs, crs: str = "wgs84") -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`to_cgcs2000` for numpy arrays; ValueError on unknown crs or out-of-range values."""
    key = normalise_crs(crs)
    lat = np.asarray(lats, dtype=np.float64)
    lng = np.asarray(lngs, dtype=np.float64)
    if lat.shape != lng.shape:
        raise ValueError("lats and lngs differ in length")
    if lat.size and (
        not np.all(np.isfinite(lat) & np.isfinite(lng))
        or np.any(np.abs(lat) > 90.0)
        or np.any(np.abs(lng) > 180.0)
    ):
        raise ValueError("lat/lng out of range")
    if key in ("wgs84", "cgcs2000"):
        return lat, lng
    if key == "bd09":
        lat, lng = _invert_np(_bd_np, lat, lng)
    return _invert_np(_gcj_np, lat, lng)


def from_cgcs2000_many(lats, lngs, crs: str = "wgs84") -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`from_cgcs2000` (map layers shift whole geometries into a tile layer's system)."""
    key = normalise_crs(crs)
    lat = np.asarray(lats, dtype=np.float64)
    lng = np.asarray(lngs, dtype=np.float64)
    if key in ("wgs84", "cgcs2000"):
        return lat, lng
    lat, lng = _gcj_np(lat, lng)
    return _bd_np(lat, lng) if key == "bd09" else (lat, lng)
