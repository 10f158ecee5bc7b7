"""Geocoding for intake: CRS conversion, gazetteer format and index, forward/reverse geocoder."""

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
