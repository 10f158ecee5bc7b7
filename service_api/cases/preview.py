"""What intake would make of a text and a place, without saving anything."""

from __future__ import annotations

from typing import Any

from flask import current_app

from intake.geo.crs import to_cgcs2000
from intake.scope import OUT_OF_SCOPE, assess_scope, referral_for
from service_api.cases import intake_runtime
from service_api.cases.intake_pipeline import forward_geocode, is_point_level, nearby_open_cases
from service_api.components.casework import preview_component
from service_api.errors import APIError
from service_api.messages import OUTSIDE_POSITION_PROMPT
from service_api.reference.matters import matter_of


def preview(text: str, location: dict[str, Any] | None, address: str | None) -> dict[str, Any]:
    classification = intake_runtime.classifier().classify(text)
    # The scope rules filing applies (intake_pipeline.scope_finding): a private matter (tap water, neighbours, a
    # home) has no city matter, whatever the classifier read in it ("自来水发黄" is no manhole cover).
    scope = assess_scope(text, classification.code if classification.in_scope else None)
    private = scope is not None and scope.kind == OUT_OF_SCOPE
    shown = classification.to_dict()
    if private:
        shown.update(in_scope=False, code=None, name=None)
    matter_code = shown["code"] if shown["in_scope"] else None
    geocoder = intake_runtime.geocoder()
    geocode: dict[str, Any] | None = None
    lat = lng = None
    level: str | None = None
    prompt: str | None = None
    if location:
        try:
            lat, lng = to_cgcs2000(location["lat"], location["lng"], location.get("crs", "wgs84"))
        except ValueError as exc:
            raise APIError(422, "bad_location", str(exc), {"location": [str(exc)]}) from exc
    elif address or text:
        forward = forward_geocode(address, text, geocoder)
        prompt = place_prompt(forward.level, forward.description, forward.outside_area, forward.confidence)
        if forward.lat is not None:
            lat, lng, level = forward.lat, forward.lng, forward.level
            geocode = forward.to_dict()
    if lat is not None and lng is not None:
        reverse = geocoder.reverse(lat, lng, "cgcs2000").to_dict()
        if geocode is not None:  # keep the forward match's level and confidence
            keep = ("lat", "lng", "level", "confidence") + (() if is_point_level(level) else ("description",))
            reverse.update({k: geocode[k] for k in keep})
        elif reverse["district_code"] is None and "district" in geocoder.gaz.layers:
            # A photo's or the phone's position in no district we serve (a photo taken in 崂山区): say so now, not
            # after filing, as for a text that names another district.
            reverse["outside_area"] = outside_of(geocoder.gaz.layers["district"].names)
            prompt = OUTSIDE_POSITION_PROMPT.format(area=reverse["outside_area"])
        geocode = reverse
    component = preview_component(matter_code=matter_code, lat=lat, lng=lng, text=f"{text} {address or ''}",
                                  point_level=is_point_level(level))
    nearby = nearby_open_cases(matter_code, lat, lng, text, level=level, address=address)
    matters = {code: matter_of(code) for code in {n.case.matter_code for n in nearby}}  # one lookup per matter
    return {
        "classification": shown,
        # A private or property-managed matter (intake.scope), as filing would find it; its referral, or 12345
        # for a text confidently out of scope, as the filed report's `referral` will say.
        "scope": {"kind": scope.kind, "reason": scope.reason, "referral": scope.referral} if scope else None,
        "referral": referral_for(classification.in_scope, scope),
        "geocode": geocode,
        "place_prompt": prompt,
        "component": component,
        "nearby_cases": [
            {"case_no": n.case.case_no, "matter": matters[n.case.matter_code], "status": n.case.status,
             "distance_m": round(n.distance_m, 1), "address": n.case.address or n.case.location_description,
             "report_count": n.case.report_count}
            for n in nearby
        ],
    }


def outside_of(served: list[str]) -> str:
    """How a position beyond the served districts is named: "市南区以外" (the gazetteer knows no outline there)."""
    return "、".join(dict.fromkeys(served)) + "以外"


def place_prompt(level: str | None, description: str | None, outside_area: str | None,
                 confidence: float | None = None) -> str | None:
    """What the agent or the bot asks when the place is not a spot: a road or an area, another district, or a
    spot the geocoder doubts (two roads that do not meet, a loose fuzzy match), which filing would not adopt."""
    if outside_area:
        return f"您说的地点在{outside_area}，不在本平台受理范围内。如地点在本区，请说明具体路名和门牌号。"
    if level is not None and not is_point_level(level):
        return f"目前只定位到“{description}”，范围较大。请补充门牌号、路口或附近的标志性建筑，方便处置人员找到。"
    if level is not None and confidence is not None \
            and confidence < current_app.extensions["settings"].geocode_min_confidence:
        return f"没能确定“{description}”的具体位置。请补充门牌号或附近的标志性建筑，方便处置人员找到。"
    return None
