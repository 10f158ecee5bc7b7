"""Which component a report is about: one the resident named (scan to report, `component_code`), a code written
or spoken in the text (the full 17 digits, or the short number painted on the asset), else the nearest component of
the matter's type within COMPONENT_MATCH_RADIUS_M. A code wins over distance."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from intake.components import codes_in_text, short_candidates
from intake.geo.distance import haversine_m
from intake.taxonomy import OWNER_MAJORS, load_directory
from service_api.cases import intake_runtime
from service_api.components import spatial
from service_api.components.models import Component
from service_api.components.vocab import MATCH_GIVEN, MATCH_NEAREST, MATCH_TEXT, RETIRED
from service_api.extensions import db


@dataclass(frozen=True)
class Match:
    component: Component
    distance_m: float | None  # from the report's place; None when the report has no place
    how: str  # MATCH_GIVEN | MATCH_TEXT | MATCH_NEAREST


def component_type_of(matter_code: str | None) -> str | None:
    """The component type a 部件 matter ("<部件>异常", major classes 01–05) is about, or None for events."""
    if not matter_code or matter_code[:2] not in OWNER_MAJORS:
        return None
    return matter_code if load_directory().component(matter_code) is not None else None


def matter_of_type(type_code: str) -> str | None:
    """The matter "<部件>异常" of a component type (same code), when the directory has it."""
    return type_code if type_code in load_directory() else None


def _of_type(component: Component, type_code: str | None) -> bool:
    """Whether a component may be what a report of this 部件 type is about (any, while the matter is unknown)."""
    return type_code is None or component.type_code == type_code


def is_about(matter_code: str | None, component: Component) -> bool:
    """Whether a case of this matter is about this component: only the "<部件>异常" matter of its own type is.
    A stall beside a lamp post, or a compound's own light (no city matter), is not about the public lamp."""
    return component_type_of(matter_code) == component.type_code


def _served_areas() -> list[str]:
    layer = intake_runtime.geocoder().gaz.layers.get("district")
    return list(layer.codes) if layer is not None else []


def _distance(component: Component, lat: float | None, lng: float | None) -> float | None:
    return None if lat is None or lng is None else haversine_m(lat, lng, component.lat, component.lng)


def named_in_text(text: str | None, type_code: str | None) -> Component | None:
    """A component whose code (or, for a known type, whose short number) the text names."""
    found = codes_in_text(text)
    for code in found.full:
        component = db.session.get(Component, code)
        if component is not None:
            return component
    if type_code and found.short:
        candidates = short_candidates(found.short, _served_areas(), type_code)
        return db.session.query(Component).filter(Component.code.in_(candidates)).order_by(Component.code).first()
    return None


def match_component(*, matter_code: str | None, lat: float | None, lng: float | None, text: str | None,
                    given_code: str | None = None, point_level: bool = True) -> Match | None:
    """The component this report is about, or None (the case then goes on as without components)."""
    type_code = component_type_of(matter_code)
    if given_code:
        component = db.session.get(Component, given_code)
        if component is not None and _of_type(component, type_code):
            return Match(component, _distance(component, lat, lng), MATCH_GIVEN)
    named = named_in_text(text, type_code)
    if named is not None and _of_type(named, type_code):
        return Match(named, _distance(named, lat, lng), MATCH_TEXT)
    # A place known only as a road or an area has a stand-in point: nothing is "nearest" to it.
    if type_code is None or lat is None or lng is None or not point_level:
        return None
    radius = current_app.extensions["settings"].component_match_radius_m
    for near in spatial.near(lat, lng, radius, type_code=type_code, limit=5):
        if near.component.status != RETIRED:  # a retired asset is no longer there to fail
            return Match(near.component, near.distance_m, MATCH_NEAREST)
    return None
