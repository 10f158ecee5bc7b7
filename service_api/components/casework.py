"""Components in the life of a report and its case: what intake, routing, the preview and the report views call.

Each function is one step the report flow takes when components are involved; the flow's modules call them and
stay unaware of how components are stored or found.
"""

from __future__ import annotations

from typing import Any

from flask import current_app

from intake.geo.geocoder import POINT_LEVELS
from service_api.components import registry
from service_api.components.matching import Match, component_type_of, is_about, match_component, matter_of_type
from service_api.components.models import Component
from service_api.components.vocab import MATCH_BY_KEY, REPORT_COMPONENT_KEY, SCANNED_FROM_KEY, STATUS_TEXT
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Case, Department, Report


def given_component(code: str | None) -> Component | None:
    """The component a report names (`component_code`); 422 when no such component is registered."""
    if not code:
        return None
    component = db.session.get(Component, code.strip())
    if component is None:
        raise APIError(422, "component_not_found", f"未找到编号为 {code[:40]} 的部件，请核对部件标识码",
                       {"component_code": ["部件不存在"]})
    return component


def report_component_code(report: Report) -> str | None:
    return (report.extra or {}).get(REPORT_COMPONENT_KEY)


def adopt_component_matter(report: Report) -> None:
    """After classification: a report about a given component whose text does not say clearly what is wrong is
    about that component's "<部件>异常" (its type is used when the resident gives none)."""
    code = report_component_code(report)
    if not code or report.category_hint:
        return
    component = db.session.get(Component, code)
    if component is None:
        return
    matter = matter_of_type(component.type_code)
    if matter is None or report.matter_code == matter:
        return
    threshold = current_app.extensions["settings"].auto_register_threshold
    unsure = not report.in_scope or (report.matter_confidence or 0.0) < threshold
    other_part = component_type_of(report.matter_code) is not None  # another 部件's fault: the scan says which
    if unsure or other_part:
        report.in_scope, report.matter_code, report.matter_confidence = True, matter, 1.0


def match_for_report(report: Report) -> Match | None:
    return match_component(
        matter_code=report.matter_code if report.in_scope else None, lat=report.lat, lng=report.lng,
        text=" ".join(t for t in (report.description, report.address) if t),
        given_code=report_component_code(report),
        point_level=report.geocode_level is None or report.geocode_level in POINT_LEVELS)


def attach_to_case(report: Report, case: Case, *, city_matter: bool = True) -> Match | None:
    """Record on a new case the component its report is about, and how it was found.

    Only a case whose matter is the "<部件>异常" of the component's type is about it; `city_matter` False (a
    private or property-managed matter, e.g. a light inside a residential compound) links to no public component.
    A report filed from a component's scan page about something else keeps only a note of where it came from."""
    match = match_for_report(report) if city_matter else None
    if match is not None and is_about(case.matter_code, match.component):
        case.component_code = match.component.code
        case.component_distance_m = None if match.distance_m is None else round(match.distance_m, 1)
        case.extra = {**(case.extra or {}), MATCH_BY_KEY: match.how}
        return match
    scanned = report_component_code(report)
    if scanned:
        case.extra = {**(case.extra or {}), SCANNED_FROM_KEY: scanned}
    return None


def linked_component(case: Case) -> Component | None:
    """The component a case is about: recorded on it, and still of its matter's type (a corrected matter ends it)."""
    component = db.session.get(Component, case.component_code) if case.component_code else None
    return component if component is not None and is_about(case.matter_code, component) else None


def responsible_department(case: Case) -> Department | None:
    """For a 部件 matter about a registered component: its maintainer, else its owner (先属主)."""
    component = linked_component(case)
    if component is None:
        return None
    for code in (component.maintainer_code, component.owner_code):
        if code:
            department = db.session.query(Department).filter_by(code=code).one_or_none()
            if department is not None:
                return department
    return None


def public_component(code: str | None, distance_m: float | None = None) -> dict[str, Any] | None:
    """What residents may see of a component (no owner, no maintainer)."""
    component = db.session.get(Component, code) if code else None
    if component is None:
        return None
    return {"code": component.code, "type": {"code": component.type_code,
                                             "name": registry.type_name(component.type_code)},
            "name": component.name, "status": component.status, "status_text": STATUS_TEXT.get(component.status),
            "location_description": component.location_description,
            "distance_m": None if distance_m is None else round(distance_m, 1)}


def report_component(report: Report) -> dict[str, Any] | None:
    """The component of a report as its resident sees it: the case's, else the one the report named."""
    case = report.case
    if case is not None:
        component = linked_component(case)
        return public_component(component.code, case.component_distance_m) if component is not None else None
    return public_component(report_component_code(report))


def preview_component(*, matter_code: str | None, lat: float | None, lng: float | None, text: str,
                      point_level: bool) -> dict[str, Any] | None:
    """The candidate component for the hotline page and the chatbot, with the question to confirm it."""
    match = match_component(matter_code=matter_code, lat=lat, lng=lng, text=text, point_level=point_level)
    if match is None:
        return None
    data = public_component(match.component.code, match.distance_m)
    assert data is not None
    place = match.component.location_description or "附近"
    data["match"] = match.how
    data["prompt"] = f"是{place}的这个{data['type']['name']}（编号{match.component.code[-6:]}）吗？"
    return data


def case_component(case: Case) -> dict[str, Any] | None:
    """The component of a case for staff: owner, maintainer, status and its cases created before this one."""
    component = linked_component(case)
    if component is None:
        return None
    data = registry.component_dict(component)
    data["distance_m"] = case.component_distance_m
    data["match"] = (case.extra or {}).get(MATCH_BY_KEY)
    data["earlier_cases"] = [{"case_no": c.case_no, "status": c.status, "matter_code": c.matter_code,
                              "created_at": c.created_at}
                             for c in registry.cases_of(component.code, before=case)]
    return data


def scanned_from(case: Case) -> dict[str, Any] | None:
    """The component whose scan page a case not about it came from (its public facts), or None."""
    return public_component((case.extra or {}).get(SCANNED_FROM_KEY))
