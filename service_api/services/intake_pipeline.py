"""The one intake pipeline every report goes through: classify, geocode, merge or create a case, route.

Runs inline after a report is committed, or later in a worker (`process_pending`). It commits its own
transaction; on failure the report stays `pending` with the error recorded, for the next attempt.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from flask import current_app

from intake.duplicates import DupInput, score_pair
from intake.geo import GeocodeResult
from intake.geo.geocoder import MAX_FORWARD_CHARS
from service_api.extensions import db
from service_api.models import OPEN_STATUSES, Case, CaseEvent, Department, Report, utcnow
from service_api.services import intake_runtime, numbers, outbox_writer
from service_api.services.workflow import SYSTEM, TransitionRequest, apply_transition

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


def forward_geocode(address: str | None, description: str | None) -> GeocodeResult:
    """Geocode a report's place; a geocoder failure on odd text means "not located", never a lost intake."""
    text = place_text(address, description)
    try:
        return intake_runtime.geocoder().forward(text)
    except Exception:
        log.exception("forward geocoding failed for %r", text[:80])
        return GeocodeResult()


def _geocode(report: Report) -> None:
    geocoder = intake_runtime.geocoder()
    if report.lat is None and (report.address or report.description):
        forward = forward_geocode(report.address, report.description)
        if forward.lat is not None and forward.lng is not None:
            report.lat, report.lng = forward.lat, forward.lng
            report.geocode_level, report.geocode_confidence = forward.level, forward.confidence
    if report.lat is None or report.lng is None:
        return
    reverse = geocoder.reverse(report.lat, report.lng, "cgcs2000")
    report.grid_code = reverse.grid_code
    report.community_code = reverse.community_code
    report.street_code = reverse.street_code
    report.district_code = reverse.district_code
    report.location_description = reverse.description
    if report.geocode_level is None:
        report.geocode_level, report.geocode_confidence = "point", 1.0


@dataclass(frozen=True)
class NearbyCase:
    case: Case
    distance_m: float
    text_similarity: float


def nearby_open_cases(matter_code: str | None, lat: float | None, lng: float | None, text: str,
                      *, exclude_case_id: int | None = None, limit: int = 5) -> list[NearbyCase]:
    """Open cases that the duplicate rules say are the same problem, nearest first."""
    if matter_code is None or lat is None or lng is None:
        return []
    settings = current_app.extensions["settings"]
    since = utcnow() - timedelta(days=settings.duplicate_window_days)
    # A cheap bounding box (about 3× the radius) before the exact scoring.
    box = settings.duplicate_radius_m * 3 / 111_000
    query = db.session.query(Case).filter(
        Case.status.in_(OPEN_STATUSES),
        Case.created_at >= since,
        Case.matter_code.like(matter_code[:2] + "%"),
        Case.lat.between(lat - box, lat + box),
        Case.lng.between(lng - box * 1.3, lng + box * 1.3),
    )
    if exclude_case_id is not None:
        query = query.filter(Case.id != exclude_case_id)
    new = DupInput(matter_code=matter_code, lat=lat, lng=lng, text=text, created_at=utcnow())
    found: list[NearbyCase] = []
    for case in query.limit(200):
        existing = DupInput(matter_code=case.matter_code or "", lat=case.lat or 0.0, lng=case.lng or 0.0,
                            text=case.description, created_at=case.created_at)
        score = score_pair(new, existing, radius_m=settings.duplicate_radius_m)
        if score.is_duplicate:
            found.append(NearbyCase(case, score.distance_m, score.text_similarity))
    found.sort(key=lambda n: n.distance_m)
    return found[:limit]


def _join_existing_case(report: Report) -> Case | None:
    requested = (report.extra or {}).get("join_case_no")
    if requested:
        case = db.session.query(Case).filter_by(case_no=requested).one_or_none()
        if case is not None and case.status in OPEN_STATUSES:
            return _attach(report, case, requested=True)
    if not report.in_scope:
        return None
    matches = nearby_open_cases(report.matter_code, report.lat, report.lng, report.description)
    if not matches:
        return None
    return _attach(report, matches[0].case, requested=False)


def _attach(report: Report, case: Case, *, requested: bool) -> Case:
    same_resident = report.citizen_id is not None and any(
        r.citizen_id == report.citizen_id for r in case.reports
    )
    report.is_duplicate = True
    case.report_count += 1
    case.updated_at = utcnow()
    db.session.add(CaseEvent(
        case_id=case.id, report_id=report.id, action="merge", from_status=case.status, to_status=case.status,
        actor_type="system", actor_name="系统", public=False,
        note=("同一居民再次反映" if same_resident else "重复件，已合并") + ("（居民确认）" if requested else ""),
        data={"report_id": report.id, "same_resident": same_resident, "requested": requested},
    ))
    db.session.flush()
    outbox_writer.report_merged(report, case)
    return case


def create_case(report: Report) -> Case:
    """A new case for this report: numbered, routed, and registered when intake is confident enough."""
    settings = current_app.extensions["settings"]
    now = utcnow()
    area = report.district_code or settings.area_code
    case = Case(
        case_no=numbers.new_case_no(area, now), status="received", source_channel=report.channel,
        matter_code=report.matter_code if report.in_scope else None, matter_confidence=report.matter_confidence,
        description=report.description, address=report.address, location_description=report.location_description,
        lat=report.lat, lng=report.lng, grid_code=report.grid_code, community_code=report.community_code,
        street_code=report.street_code, district_code=report.district_code, created_at=now, report_count=1,
    )
    _route(case)
    db.session.add(case)
    db.session.flush()
    report.case_id = case.id
    db.session.add(CaseEvent(
        case_id=case.id, report_id=report.id, action="receive", from_status=None, to_status="received",
        actor_type="resident", actor_name=report.contact_name, note="居民反映已受理", created_at=now,
    ))
    auto = report.in_scope and (report.matter_confidence or 0) >= settings.auto_register_threshold
    if auto:
        apply_transition(case, TransitionRequest("register", note="智能分类置信度达标，自动立案"), SYSTEM)
    else:
        case.triage = True
    return case


def _route(case: Case) -> None:
    """Pick the responsible department and time limit from the routing table (先属主 / 先属地)."""
    if not case.matter_code:
        return
    route = intake_runtime.routing().route(case.matter_code, case.street_code)
    department = ensure_department(route.department_code, route.department_name)
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
    from service_api.services.work_calendar import current_calendar

    return add_working_time(start, case.time_limit_amount, case.time_limit_unit, calendar=current_calendar())
