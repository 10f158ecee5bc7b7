"""Geocoding for intake: CRS conversion, gazetteer format and index, forward/reverse geocoder.

Usage::

    from intake.geo import Geocoder, load_gazetteer

    geo = Geocoder(load_gazetteer("intake/data/demo_city"))   # build once per process (read-only after)
    geo.forward("市南区香港中路12号东侧50米").to_dict()
    geo.reverse(36.0646, 120.3850, crs="gcj02").grid_code
    geo.reverse_many(lats, lngs, crs="wgs84")                  # vectorised, for bulk work

Importing a gazetteer into a database: ``iter_areas(DIR, progress)`` / ``iter_addresses(DIR, progress)``
stream validated records; ``progress(bytes_read, total_bytes)`` is called per 1 MB chunk (drive a tqdm bar
with it); a bad feature raises GazetteerError naming the file, the feature index and the problem.
"""

from intake.geo.crs import from_cgcs2000, to_cgcs2000, to_cgcs2000_many
from intake.geo.distance import haversine_m
from intake.geo.gazetteer import (
    AddressRecord,
    AreaRecord,
    Gazetteer,
    GazetteerError,
    iter_addresses,
    iter_areas,
    load_gazetteer,
)
from intake.geo.geocoder import Geocoder, GeocodeResult

__all__ = [
    "AddressRecord",
    "AreaRecord",
    "Gazetteer",
    "GazetteerError",
    "GeocodeResult",
    "Geocoder",
    "from_cgcs2000",
    "haversine_m",
    "iter_addresses",
    "iter_areas",
    "load_gazetteer",
    "to_cgcs2000",
    "to_cgcs2000_many",
]
