"""The public page behind the short link in every message (/r/<tracking_no>): status without personal data."""

from __future__ import annotations

from flask import Blueprint, abort, render_template

from service_api.extensions import db, limiter
from service_api.models import Report
from service_api.privacy import mask_text
from service_api.services.report_view import matter_of, public_timeline, report_status
from service_api.services.workflow import STATUS_TEXT

blp = Blueprint("web", __name__, template_folder="templates")


@blp.get("/r/<string:tracking_no>")
@limiter.limit("60/minute")
def report_page(tracking_no: str) -> str:
    report = db.session.query(Report).filter_by(tracking_no=tracking_no.strip().upper()).one_or_none()
    if report is None:
        abort(404)
    case = report.case
    status = report_status(report)
    return render_template(
        "web/report.html", report=report, case=case, status_text=STATUS_TEXT.get(status, status),
        matter=matter_of(case.matter_code if case else None), timeline=public_timeline(case, report),
        outcome=mask_text(case.outcome) if case and status in ("resolved", "verified", "closed") else None,
    )
