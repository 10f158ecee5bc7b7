"""Factories shared by the test folders: a resident's report and its case, written straight to the database."""

from __future__ import annotations

from service_api import numbers
from service_api.cases.workflow import SYSTEM, TransitionRequest, apply_transition
from service_api.extensions import db
from service_api.models import Case, Citizen, Report


def make_report(*, phone: str | None = "+14155550100", channel: str = "hotline", openid: str | None = None,
                citizen: Citizen | None = None, description: str = "香港中路8号门口井盖破损") -> Report:
    if citizen is None and phone:
        citizen = db.session.query(Citizen).filter_by(phone=phone).one_or_none()
        if citizen is None:
            citizen = Citizen(phone=phone, wechat_openid=openid)
            db.session.add(citizen)
            db.session.flush()
    report = Report(tracking_no=numbers.new_tracking_no(), channel=channel, description=description,
                    contact_phone=phone, wechat_openid=openid, citizen_id=citizen.id if citizen else None,
                    intake_status="done")
    db.session.add(report)
    db.session.flush()
    return report


def make_case(report: Report, status: str = "verified", outcome: str = "已更换井盖") -> Case:
    case = Case(case_no=numbers.new_case_no("370202"), status=status, source_channel=report.channel,
                description=report.description, outcome=outcome)
    db.session.add(case)
    db.session.flush()
    report.case_id = case.id
    db.session.commit()
    return case


def close_case(case: Case) -> None:
    apply_transition(case, TransitionRequest("close"), SYSTEM)
    db.session.commit()
