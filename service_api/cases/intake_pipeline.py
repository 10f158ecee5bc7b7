"""The one intake pipeline every report goes through: classify, geocode, merge or create a case, route.

Runs inline after a report is committed, or later in a worker (`process_pending`). It commits its own
transaction; on failure the report stays `pending` with the error recorded, for the next attempt.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app

from intake.duplicates import DupInput, alike_codes, problem_text, score_pair
from intake.geo import Geocoder, GeocodeResult
from intake.geo.geocoder import MAX_FORWARD_CHARS, POINT_LEVELS
from intake.scope import OUT_OF_SCOPE, ScopeFinding, assess_scope
from intake.triage import OUTSIDE_AREA, UNCERTAIN_PLACE, PlaceFacts, TriageDecision, decide
from service_api import numbers, outbox_writer
from service_api.cases import intake_runtime
from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.components import casework
from service_api.extensions import db
from service_api.models import OPEN_STATUSES, Case, CaseEvent, Department, Report, utcnow
from service_api.vocab import Status

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


def run_intake_safely(report_id: int) -> bool:
    """Run intake for one report; never raises. Returns True when the report got its case."""
    try:
        run_intake(report_id)
        return True
    except Exception as exc:
        db.session.rollback()
        log.exception("intake failed for report %s", report_id)
        report = db.session.get(Report, report_id)
        if report is not None:
            report.intake_attempts += 1
            report.intake_error = f"{type(exc).__name__}: {exc}"[:2000]
            report.intake_status = "failed" if report.intake_attempts >= MAX_ATTEMPTS else "pending"
            db.session.commit()
        return False


def process_pending(limit: int = 100) -> int:
    """Worker entry point: retry intake for reports still pending. Returns how many got a case."""
    ids = [
        row[0] for row in db.session.query(Report.id)
        .filter(Report.intake_status == "pending", Report.created_at < utcnow() - timedelta(seconds=5))
        .order_by(Report.id).limit(limit)
    ]
    return sum(run_intake_safely(report_id) for report_id in ids)


def run_intake(report_id: int) -> None:
    report = db.session.get(Report, report_id, with_for_update=True)
    if report is None or report.intake_status == "done":
        return
    _classify(report)
    casework.adopt_component_matter(report)
    _geocode(report)
    case = _join_existing_case(report) or create_case(report)
    report.case_id = case.id
    report.intake_status = "done"
    report.intake_error = None
    db.session.commit()


def _classify(report: Report) -> None:
    text = report.description if not report.category_hint else f"{report.category_hint} {report.description}"
    result = intake_runtime.classifier().classify(text)
    report.in_scope = result.in_scope
    report.matter_code = result.code
    report.matter_confidence = result.confidence
    report.candidates = [asdict(c) for c in result.candidates]


# How much of the address (or, without one, the description) is geocoded: the geocoder's own bound, so the
# two cannot drift apart (places are named in a few dozen characters; the parser's cost grows faster than linearly).
PLACE_TEXT_MAX = MAX_FORWARD_CHARS


def place_text(address: str | None, description: str | None) -> str:
    """The text to geocode: the address when given, else the start of the description."""
    return (address or description or "")[:PLACE_TEXT_MAX]


def forward_geocode(address: str | None, description: str | None, geocoder: Geocoder | None = None) -> GeocodeResult:
    """Geocode a report's place; a geocoder failure on odd text means "not located", never a lost intake.
    `geocoder`: the one the caller already holds (each `intake_runtime.geocoder()` asks the database for the
    gazetteer's version)."""
    text = place_text(address, description)
    try:
        return (geocoder or intake_runtime.geocoder()).forward(text)
    except Exception:
        log.exception("forward geocoding failed for %r", text[:80])
        return GeocodeResult()


def _geocode(report: Report) -> None:
    geocoder = intake_runtime.geocoder()
    named: str | None = None  # how the resident's words name a road- or area-level place
    if report.lat is None and (report.address or report.description):
        forward = forward_geocode(report.address, report.description, geocoder)
        issue = _forward_issue(report, forward)
        if issue is not None:
            # Not adopted: a district we do not serve, or a doubtful match to another place (kept for staff).
            report.extra = {**(report.extra or {}), "place_issue": issue}
        elif forward.lat is not None and forward.lng is not None:
            report.lat, report.lng = forward.lat, forward.lng
            report.geocode_level, report.geocode_confidence = forward.level, forward.confidence
            if forward.level not in POINT_LEVELS:
                named = forward.description
    if report.lat is None or report.lng is None:
        return
    reverse = geocoder.reverse(report.lat, report.lng, "cgcs2000")
    report.grid_code = reverse.grid_code
    report.community_code = reverse.community_code
    report.street_code = reverse.street_code
    report.district_code = reverse.district_code
    # A road-level place reads as the road ("香港中路"), not as the door nearest its middle.
    report.location_description = named or reverse.description
    if report.geocode_level is None:
        report.geocode_level, report.geocode_confidence = "point", 1.0


def _forward_issue(report: Report, forward: GeocodeResult) -> dict[str, str] | None:
    """Why a forward match must not become the report's place, or None when it may."""
    if forward.outside_area:
        return {"reason": OUTSIDE_AREA, "detail": f"地址写明在{forward.outside_area}", "area": forward.outside_area}
    threshold = current_app.extensions["settings"].geocode_min_confidence
    if forward.lat is not None and forward.confidence < threshold:
        said = place_text(report.address, report.description)[:40]
        return {"reason": UNCERTAIN_PLACE,
                "detail": f"“{said}”仅模糊匹配到“{forward.description}”（置信度{forward.confidence:.2f}），未采用"}
    return None


def is_point_level(level: str | None) -> bool:
    """Whether a place of this geocode level is a spot (distances mean something) rather than a road/area."""
    return level is None or level in POINT_LEVELS


def _place_names(geocoder: Geocoder, *texts: str | None) -> list[str]:
    """The place words of these texts (gazetteer names, and the address as written)."""
    names: list[str] = []
    for text in texts:
        if text:
            names.append(text)
            names.extend(geocoder.place_names_in(text))
    return names


def _problem(geocoder: Geocoder, description: str | None, address: str | None) -> str:
    return problem_text(description or "", _place_names(geocoder, address, description))


@dataclass(frozen=True)
class NearbyCase:
    case: Case
    distance_m: float
    text_similarity: float


def nearby_open_cases(matter_code: str | None, lat: float | None, lng: float | None, text: str,
                      *, exclude_case_id: int | None = None, limit: int = 5, level: str | None = None,
                      address: str | None = None, only_case_id: int | None = None) -> list[NearbyCase]:
    """Open cases that the duplicate rules say are the same problem, nearest first (`only_case_id`: whether
    that one case is).

    A place known only as a road or an area (`level`) has a stand-in point, so nothing is near it; cases
    placed that way are skipped too. Texts are compared without their place words."""
    if matter_code is None or lat is None or lng is None or not is_point_level(level):
        return []
    settings = current_app.extensions["settings"]
    since = utcnow() - timedelta(days=settings.duplicate_window_days)
    # A cheap bounding box (about 3× the radius) before the exact scoring.
    box = settings.duplicate_radius_m * 3 / 111_000
    query = db.session.query(Case).filter(
        Case.status.in_(OPEN_STATUSES),
        Case.created_at >= since,
        Case.matter_code.in_(sorted(alike_codes(matter_code))),
        Case.lat.between(lat - box, lat + box),
        Case.lng.between(lng - box * 1.3, lng + box * 1.3),
    )
    if exclude_case_id is not None:
        query = query.filter(Case.id != exclude_case_id)
    if only_case_id is not None:
        query = query.filter(Case.id == only_case_id)
    # One geocoder for every case compared: getting it costs a query (the gazetteer's version), and a busy spot
    # has hundreds of open cases in the box (measured in bench/README).
    geocoder = intake_runtime.geocoder()
    new = DupInput(matter_code=matter_code, lat=lat, lng=lng, text=_problem(geocoder, text, address),
                   created_at=utcnow())
    found: list[NearbyCase] = []
    for case in query.limit(200):
        if not is_point_level((case.extra or {}).get(PLACE_LEVEL_KEY)):
            continue
        existing = DupInput(matter_code=case.matter_code or "", lat=case.lat or 0.0, lng=case.lng or 0.0,
                            text=_problem(geocoder, case.description, case.address),
                            created_at=case.created_at)
        score = score_pair(new, existing, radius_m=settings.duplicate_radius_m)
        if score.is_duplicate:
            found.append(NearbyCase(case, score.distance_m, score.text_similarity))
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]


# Report.extra keys of a join request ("加入已有案件"): the case asked for, whether the asker is trusted to pick it
# (a hotline agent chose it on purpose), and what came of it (shown to the client as `join`).
JOIN_CASE_KEY = "join_case_no"
JOIN_TRUSTED_KEY = "join_trusted"
JOIN_RESULT_KEY = "join_result"
JOIN_NOT_OPEN = "case_not_open"
JOIN_NOT_SAME = "not_same_problem"


def is_same_problem(report: Report, case: Case) -> bool:
    """Whether the duplicate rules (intake.duplicates: same or alike matter, near, recent) join `report` to
    `case`: a resident's request to join is granted only when intake would have merged the two itself."""
    if not report.in_scope or scope_finding(report) is not None:
        return False
    return bool(nearby_open_cases(report.matter_code, report.lat, report.lng, report.description,
                                  level=report.geocode_level, address=report.address, only_case_id=case.id))


def _join_existing_case(report: Report) -> Case | None:
    extra = report.extra or {}
    requested = extra.get(JOIN_CASE_KEY)
    if requested:
        case = db.session.query(Case).filter_by(case_no=requested).one_or_none()
        is_open = case is not None and case.status in OPEN_STATUSES
        # Case numbers are public and sequential: anyone could name one. Only an agent's choice is taken as is;
        # anyone else's report joins only the same problem nearby, else it is filed as its own (not lost).
        if is_open and (extra.get(JOIN_TRUSTED_KEY) or is_same_problem(report, case)):
            report.extra = {**extra, JOIN_RESULT_KEY: {"joined": True}}
            return _attach(report, case, requested=True, trusted=bool(extra.get(JOIN_TRUSTED_KEY)))
        report.extra = {**extra, JOIN_RESULT_KEY: {"joined": False,
                                                   "reason": JOIN_NOT_SAME if is_open else JOIN_NOT_OPEN}}
    if not report.in_scope or scope_finding(report) is not None:
        return None  # a private or property matter is not merged into a city case
    matches = nearby_open_cases(report.matter_code, report.lat, report.lng, report.description,
                                level=report.geocode_level, address=report.address)
    if not matches:
        return None
    return _attach(report, matches[0].case, requested=False)


def _attach(report: Report, case: Case, *, requested: bool, trusted: bool = False) -> Case:
    same_resident = report.citizen_id is not None and any(
        r.citizen_id == report.citizen_id for r in case.reports
    )
    confirmed = ("（坐席选择）" if trusted else "（居民确认）") if requested else ""
    report.is_duplicate = True
    case.report_count += 1
    case.updated_at = utcnow()
    db.session.add(CaseEvent(
        case_id=case.id, report_id=report.id, action="merge", from_status=case.status, to_status=case.status,
        actor_type="system", actor_name="系统", public=False,
        note=("同一居民再次反映" if same_resident else "重复件，已合并") + confirmed,
        data={"report_id": report.id, "same_resident": same_resident, "requested": requested},
    ))
    db.session.flush()
    outbox_writer.report_merged(report, case)
    return case


def scope_finding(report: Report) -> ScopeFinding | None:
    """A private (in a home, between neighbours, tap water) or property-managed report, else None."""
    return assess_scope(report.description, report.matter_code if report.in_scope else None)


def triage_decision(report: Report, scope: ScopeFinding | None) -> TriageDecision:
    """Whether intake may register this report's case itself, and if not why (see intake.triage)."""
    settings = current_app.extensions["settings"]
    issue = (report.extra or {}).get("place_issue") or {}
    located = report.lat is not None and report.lng is not None
    spot = is_point_level(report.geocode_level)
    place = PlaceFacts(located=located, in_area=report.district_code is not None, issue=issue.get("reason"),
                       detail=issue.get("detail") if issue or spot else report.location_description, spot=spot)
    return decide(in_scope=bool(report.in_scope), confidence=report.matter_confidence,
                  threshold=settings.auto_register_threshold, scope=scope, place=place)


PLACE_LEVEL_KEY = "place_level"  # Case.extra: the geocode level of the case's place (see is_point_level)


def create_case(report: Report) -> Case:
    """A new case for this report: numbered, routed, and registered when intake is sure of what and where."""
    settings = current_app.extensions["settings"]
    now = utcnow()
    area = report.district_code or settings.area_code
    scope = scope_finding(report)
    decision = triage_decision(report, scope)
    private = scope is not None and scope.kind == OUT_OF_SCOPE  # no city matter, so no owner either
    extra: dict[str, Any] = {PLACE_LEVEL_KEY: report.geocode_level}
    if decision.reasons:
        extra["triage"] = {"reasons": list(decision.reasons), "notes": list(decision.notes)}
        named_area = ((report.extra or {}).get("place_issue") or {}).get("area")
        if named_area:
            # the district named (e.g. 崂山区): where a rejection sends the resident
            extra["triage"]["area"] = named_area
    if decision.referral:
        extra["referral"] = decision.referral
    case = Case(
        case_no=numbers.new_case_no(area, now), status=Status.RECEIVED, source_channel=report.channel,
        matter_code=report.matter_code if report.in_scope and not private else None,
        matter_confidence=report.matter_confidence, extra=extra,
        description=report.description, address=report.address, location_description=report.location_description,
        lat=report.lat, lng=report.lng, grid_code=report.grid_code, community_code=report.community_code,
        street_code=report.street_code, district_code=report.district_code, created_at=now, report_count=1,
    )
    casework.attach_to_case(report, case, city_matter=scope is None)  # a compound's own light is not the city's
    _route(case)
    db.session.add(case)
    db.session.flush()
    report.case_id = case.id
    db.session.add(CaseEvent(
        case_id=case.id, report_id=report.id, action="receive", from_status=None, to_status=Status.RECEIVED,
        actor_type="resident", actor_name=report.contact_name, note="居民反映已受理", created_at=now,
    ))
    if decision.referral:
        outbox_writer.receipt_with_referral(report, decision.referral)
    if decision.auto_register:
        apply_transition(case, TransitionRequest("register", note="智能分类置信度达标、位置明确，自动立案"), SYSTEM)
    else:
        case.triage = True
    return case


def _route(case: Case) -> None:
    """Pick the responsible department and time limit from the routing table (先属主 / 先属地)."""
    if not case.matter_code:
        return
    route = intake_runtime.routing().route(case.matter_code, case.street_code)
    # A 部件 matter about a registered component goes to whoever maintains (else owns) that very asset.
    department = (casework.responsible_department(case)
                  or ensure_department(route.department_code, route.department_name))
    case.department_id = department.id
    case.priority = route.priority
    case.time_limit_amount = route.time_limit_amount
    case.time_limit_unit = route.time_limit_unit


def ensure_department(code: str, name: str) -> Department:
    department = db.session.query(Department).filter_by(code=code).one_or_none()
    if department is None:
        department = Department(code=code, name=name, kind="street" if code.startswith("street:") else "owner")
        db.session.add(department)
        db.session.flush()
    return department


def deadline_for(case: Case, start: datetime) -> datetime | None:
    """The handling deadline from dispatch, counted in working time with Chinese holidays."""
    if case.time_limit_amount is None or case.time_limit_unit is None:
        return None
    from intake.worktime import add_working_time
    from service_api.reference.work_calendar import current_calendar

    return add_working_time(start, case.time_limit_amount, case.time_limit_unit, calendar=current_calendar())
