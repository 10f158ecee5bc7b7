"""Storing a report (reports/accept.py) on its own: what one accepted report writes, and a retried submission."""

from __future__ import annotations

from service_api.auth.principal import ANONYMOUS
from service_api.extensions import db
from service_api.models import Notification, Report
from service_api.reports.accept import ReportInput, accept_report


def _hotline_report(**values) -> ReportInput:
    return ReportInput(**{"description": "  香港中路8号门口井盖破损  ", "channel": "hotline",
                          "contact": {"phone": "138 0013 8000"}, **values})


def test_an_accepted_report_is_stored_with_its_receipt_in_one_commit(app):
    accepted = accept_report(_hotline_report(), ANONYMOUS)
    db.session.expire_all()  # read back what was committed, not what the session holds
    report = db.session.get(Report, accepted.report.id)
    assert accepted.created and accepted.access_token
    assert report.description == "香港中路8号门口井盖破损" and report.contact_phone == "+8613800138000"
    assert report.tracking_no and report.intake_status == "pending"
    (sms,) = db.session.query(Notification).filter_by(report_id=report.id, channel="sms").all()
    assert (sms.kind, sms.recipient) == ("received", "+8613800138000") and report.tracking_no in sms.body


def test_a_retried_submission_returns_the_first_report_and_writes_nothing(app):
    first = accept_report(_hotline_report(idempotency_key="call-7f3a"), ANONYMOUS)
    again = accept_report(_hotline_report(idempotency_key="call-7f3a"), ANONYMOUS)
    assert again.report.id == first.report.id and not again.created
    assert again.access_token == first.access_token  # the retry can read its report too
    assert db.session.query(Report).count() == 1
    receipts = db.session.query(Notification).filter_by(report_id=first.report.id).all()
    assert len(receipts) == len({(n.channel, n.kind) for n in receipts})  # each receipt once
