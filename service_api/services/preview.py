"""What intake would make of a text and a place, without saving anything."""

from __future__ import annotations

from typing import Any

from intake.geo.crs import to_cgcs2000
from service_api.errors import APIError
from service_api.services import intake_runtime
from service_api.services.intake_pipeline import forward_geocode, nearby_open_cases
from service_api.services.report_view import matter_of


def preview(text: str, location: dict[str, Any] | None, address: str | None) -> dict[str, Any]:
    classification = intake_runtime.classifier().classify(text)
    geocoder = intake_runtime.geocoder()
    geocode: dict[str, Any] | None = None
    lat = lng = None
    if location:
        try:
            lat, lng = to_cgcs2000(location["lat"], location["lng"], location.get("crs", "wgs84"))
        except ValueError as exc:
            raise APIError(422, "bad_location", str(exc), {"location": [str(exc)]}) from exc
    elif address or text:
        forward = forward_geocode(address, text)
        if forward.lat is not None:
            lat, lng = forward.lat, forward.lng
            geocode = forward.to_dict()
    if lat is not None and lng is not None:
        reverse = geocoder.reverse(lat, lng, "cgcs2000").to_dict()
        if geocode is not None:  # keep the forward match's level and confidence
            reverse.update({k: geocode[k] for k in ("lat", "lng", "level", "confidence")})
        geocode = reverse
    nearby = nearby_open_cases(classification.code if classification.in_scope else None, lat, lng, text)
    return {
        "classification": classification.to_dict(),
        "geocode": geocode,
        "nearby_cases": [
            {"case_no": n.case.case_no, "matter": matter_of(n.case.matter_code), "status": n.case.status,
             "distance_m": round(n.distance_m, 1), "address": n.case.address or n.case.location_description,
             "report_count": n.case.report_count}
            for n in nearby
        ],
    }
