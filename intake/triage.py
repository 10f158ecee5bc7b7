"""May intake register (立案) a report on its own, or must a person look at it first? (pure)

Registering sends a case to a department with a deadline, so intake only does it when it knows both *what*
(an in-scope matter, confidently classified, not a private or property-managed one) and *where* (a spot
inside the served area, found with confidence: a road or an area alone is not one). Anything else waits for
manual triage with the reasons listed, so staff see at once why.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.scope import OUT_OF_SCOPE, ScopeFinding, referral_for

# Reason codes (stored with the case) and what staff read.
LOW_CONFIDENCE = "low_confidence"
NOT_CITY_MATTER = "not_city_matter"
PRIVATE_MATTER = "private_matter"
PROPERTY_MATTER = "property_matter"
NO_PLACE = "no_place"
OUTSIDE_AREA = "outside_area"
UNCERTAIN_PLACE = "uncertain_place"
VAGUE_PLACE = "vague_place"

REASON_TEXT = {
    LOW_CONFIDENCE: "智能分类置信度不足",
    NOT_CITY_MATTER: "可能不属于城市管理事项",
    PRIVATE_MATTER: "疑似私人或室内事项",
    PROPERTY_MATTER: "疑似住宅小区内物业管理事项",
    NO_PLACE: "未提供位置",
    OUTSIDE_AREA: "位置不在本区受理范围",
    UNCERTAIN_PLACE: "地址匹配不确定",
    VAGUE_PLACE: "位置只定位到道路或片区，需核实具体地点",
}


@dataclass(frozen=True)
class PlaceFacts:
    """What intake knows about where the problem is."""

    located: bool  # a point was adopted (client, photo GPS or a confident address match)
    in_area: bool  # the point lies in the served area (the gazetteer's districts)
    issue: str | None = None  # OUTSIDE_AREA / UNCERTAIN_PLACE found while geocoding the address
    detail: str | None = None  # e.g. "崂山区", the doubtful match "山东路100号（0.48）", or the road "香港中路"
    # The point is a spot (a position, a door, a POI, a crossing); False when only a road or an area was named,
    # whose point is a stand-in (a long road's middle), so a crew could be sent a kilometre from the problem.
    spot: bool = True


@dataclass(frozen=True)
class TriageDecision:
    auto_register: bool
    reasons: tuple[str, ...]  # reason codes, most important first
    notes: tuple[str, ...]  # staff-readable lines, one per reason
    referral: str | None  # what the resident should do instead: a private matter's, or 12345 for no city matter


def decide(*, in_scope: bool, confidence: float | None, threshold: float, scope: ScopeFinding | None,
           place: PlaceFacts) -> TriageDecision:
    reasons: list[tuple[str, str]] = []
    if not in_scope:
        reasons.append((NOT_CITY_MATTER, REASON_TEXT[NOT_CITY_MATTER]))
    elif (confidence or 0.0) < threshold:
        reasons.append((LOW_CONFIDENCE, REASON_TEXT[LOW_CONFIDENCE]))
    if scope is not None:
        code = PRIVATE_MATTER if scope.kind == OUT_OF_SCOPE else PROPERTY_MATTER
        reasons.append((code, f"{REASON_TEXT[code]}：{scope.reason}"))
    if place.issue is not None:
        text = REASON_TEXT[place.issue] + (f"：{place.detail}" if place.detail else "")
        reasons.append((place.issue, text))
    elif not place.located:
        reasons.append((NO_PLACE, REASON_TEXT[NO_PLACE]))
    elif not place.in_area:
        reasons.append((OUTSIDE_AREA, REASON_TEXT[OUTSIDE_AREA]))
    elif not place.spot:
        text = REASON_TEXT[VAGUE_PLACE] + (f"：{place.detail}" if place.detail else "")
        reasons.append((VAGUE_PLACE, text))
    return TriageDecision(
        auto_register=not reasons,
        reasons=tuple(code for code, _ in reasons),
        notes=tuple(text for _, text in reasons),
        referral=referral_for(in_scope, scope),
    )
