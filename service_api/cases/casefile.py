"""A case's file as staff read it on the case page: its reports and history in order, the ratings of the
current round, its matter, and who took each report in."""

from __future__ import annotations

from dataclasses import dataclass

from service_api.extensions import db
from service_api.models import CHANNEL_TEXT, ROLE_TEXT, Case, CaseEvent, Category, Rating, Report, StaffUser
from service_api.privacy import mask_name
from service_api.reference.matters import matter_by_code


@dataclass(frozen=True)
class CaseFile:
    reports: list[Report]
    events: list[CaseEvent]
    ratings: dict[int, Rating]  # by report id: the ratings of the current closing round
    matter: Category | None
    received_by: dict[int, str]  # by event id: who took the report in (receive events only)


def case_file(case: Case) -> CaseFile:
    reports = db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()
    events = db.session.query(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id).all()
    ratings = {r.report_id: r for r in db.session.query(Rating).filter_by(case_id=case.id,
                                                                         round=case.reopen_count + 1)}
    return CaseFile(reports, events, ratings, matter_by_code(case.matter_code), received_by(events, reports))


def received_by(events: list[CaseEvent], reports: list[Report]) -> dict[int, str]:
    """Who took a report in (受理): its channel, and for the hotline the agent who took the call; the event itself
    names the resident (or nobody), which read as if the resident had logged the call."""
    by_id = {r.id: r for r in reports}
    agent_ids = {r.extra.get("agent_id") for r in reports if isinstance(r.extra, dict) and r.extra.get("agent_id")}
    agents = {u.id: u for u in db.session.query(StaffUser).filter(StaffUser.id.in_(agent_ids))} if agent_ids else {}
    who: dict[int, str] = {}
    for event in events:
        report = by_id.get(event.report_id or 0)
        if event.action != "receive" or report is None:
            continue
        channel = CHANNEL_TEXT.get(report.channel, report.channel)
        agent = agents.get((report.extra or {}).get("agent_id"))
        if agent is not None:
            who[event.id] = f"{channel}·{ROLE_TEXT[agent.role]} {agent.display_name or agent.username}"
        else:
            name = mask_name(report.contact_name)
            who[event.id] = f"{channel}·居民{' ' + name if name else ''}"
    return who
