"""CRS conversions against published reference values and round trips."""

import math

import numpy as np
import pytest

from intake.geo.crs import from_cgcs2000, gcj02_to_bd09, to_cgcs2000, to_cgcs2000_many, wgs84_to_gcj02
from intake.geo.distance import haversine_m

# Reference pairs published with widely used implementations (coordtransform, eviltransform).
WGS_TO_GCJ = [
    ((39.915, 116.404), (39.91640428150164, 116.41024449916938)),  # Beijing
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),  # Shanghai
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),  # Shenzhen
]
GCJ_TO_BD = [((39.915, 116.404), (39.92133699351021, 116.41036949371029))]


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_wgs84_to_gcj02_matches_published_values(wgs, gcj):
    assert wgs84_to_gcj02(*wgs) == pytest.approx(gcj, abs=1e-9)
    assert from_cgcs2000(*wgs, "gcj02") == pytest.approx(gcj, abs=1e-9)


@pytest.mark.parametrize(("gcj", "bd"), GCJ_TO_BD)
def test_gcj02_to_bd09_matches_published_value(gcj, bd):
    assert gcj02_to_bd09(*gcj) == pytest.approx(bd, abs=1e-9)


@pytest.mark.parametrize(("wgs", "gcj"), WGS_TO_GCJ)
def test_gcj02_inverse_recovers_wgs84_within_half_a_metre(wgs, gcj):
    back = to_cgcs2000(*gcj, "gcj02")
    assert haversine_m(*back, *wgs) < 0.5


@pytest.mark.parametrize("crs", ["wgs84", "cgcs2000", "gcj02", "bd09"])
@pytest.mark.parametrize("point", [(36.0620, 120.3846), (36.0470, 120.2830), (45.75, 126.65), (18.25, 109.5)])
def test_round_trip_is_sub_half_metre(crs, point):
    there = from_cgcs2000(*point, crs)
    back = to_cgcs2000(*there, crs)
    assert haversine_m(*back, *point) < 0.5


def test_offsets_have_the_known_size_in_qingdao():
    # GCJ-02 shifts Qingdao by a few hundred metres; BD-09 adds roughly another kilometre.
    p = (36.0620, 120.3846)
    assert 300 < haversine_m(*p, *from_cgcs2000(*p, "gcj02")) < 800
    assert 800 < haversine_m(*p, *from_cgcs2000(*p, "bd09")) < 2000


def test_outside_china_gcj02_is_unshifted():
    assert to_cgcs2000(51.5072, -0.1276, "gcj02") == (51.5072, -0.1276)


def test_vectorised_matches_scalar():
    lats = np.array([36.06, 36.05, 39.915])
    lngs = np.array([120.38, 120.30, 116.404])
    for crs in ("gcj02", "bd09", "wgs84"):
        vlat, vlng = to_cgcs2000_many(lats, lngs, crs)
        for i in range(3):
            slat, slng = to_cgcs2000(lats[i], lngs[i], crs)
            assert math.isclose(vlat[i], slat, abs_tol=1e-9) and math.isclose(vlng[i], slng, abs_tol=1e-9)


@pytest.mark.parametrize(
    ("lat", "lng", "crs"),
    [(36.0, 120.0, "epsg3857"), (91.0, 120.0, "wgs84"), (36.0, 181.0, "gcj02"), (float("nan"), 1.0, "bd09")],
)
def test_bad_input_raises_value_error(lat, lng, crs):
    with pytest.raises(ValueError):
        to_cgcs2000(lat, lng, crs)
    with pytest.raises(ValueError):
        from_cgcs2000(lat, lng, crs)


def test_crs_names_are_case_insensitive():
    assert to_cgcs2000(36.06, 120.38, "GCJ-02") == to_cgcs2000(36.06, 120.38, "gcj02")
