"""The public page behind the short link in every message (/r/<tracking_no>): status without personal data.

With the token of a survey link (?t=…, sent by SMS) the page also rates: the resident answers there and then,
with no account and no mini-program. The token names one survey (feedback/surveys.py): it rates that report's
case in that round until the survey expires, and nothing else.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for

from service_api.errors import APIError
from service_api.extensions import csrf, limiter
from service_api.feedback.ratings import RATINGS, is_flagged, round_rating, submit_answer
from service_api.feedback.surveys import survey_for_link
from service_api.models import Report, Survey
from service_api.numbers import normalise_ref
from service_api.privacy import mask_text
from service_api.reference.matters import matter_of
from service_api.reports.lookup import report_by_tracking_no
from service_api.reports.view import public_timeline, report_status
from service_api.vocab import HANDLED_STATUSES, STATUS_TEXT, Source

blp = Blueprint("web", __name__, template_folder="templates")

COMMENT_MAX = 1000
SOLVED_CHOICES = {"yes": True, "no": False, "": None}
LINK_CHANNEL = Source.SMS  # rating links are sent by SMS (WeChat and in-app open the mini-program instead)


def _report(tracking_no: str) -> Report:
    # as typed or pasted: full-width digits, spaces, lower case (numbers.py)
    report = report_by_tracking_no(normalise_ref(tracking_no))
    if report is None:
        abort(404)
    return report


@blp.errorhandler(404)
def _not_found(_exc: Exception) -> Any:
    """A resident who mistyped a link reads a page in Chinese, not the API's JSON error."""
    return render_template("web/not_found.html"), 404


def _page(report: Report, *, token: str | None = None, survey: Survey | None = None, notice: str | None = None,
          error: str | None = None, form: dict[str, str] | None = None, rated: bool = False) -> str:
    case = report.case
    status = report_status(report)
    rating = round_rating(survey, report) if survey is not None else None
    if form is None and rating is not None:
        form = {"rating": rating.rating, "solved": {True: "yes", False: "no", None: ""}[rating.solved],
                "comment": rating.comment or ""}
    return render_template(
        "web/report.html", report=report, case=case, status_text=STATUS_TEXT.get(status, status),
        matter=matter_of(case.matter_code if case else None), timeline=public_timeline(case, report),
        outcome=mask_text(case.outcome) if case and status in HANDLED_STATUSES else None,
        survey=survey, token=token, notice=notice, error=error, form=form or {}, rating=rating, rated=rated,
        ratings=RATINGS, flagged=rating is not None and is_flagged(rating.rating, rating.solved),
        comment_max=COMMENT_MAX,
    )


@blp.get("/r/<string:tracking_no>")
@limiter.limit("60/minute")
def report_page(tracking_no: str) -> Any:
    report = _report(tracking_no)
    token = request.args.get("t")
    if tracking_no != report.tracking_no:  # one address per report: "r2026…" or full-width forms redirect
        kept = {k: v for k, v in request.args.items() if k in ("t", "rated")}  # only the page's own arguments
        return redirect(url_for("web.report_page", tracking_no=report.tracking_no, **kept), code=301)
    if not token:
        return _page(report)
    try:
        survey = survey_for_link(report, token)
    except APIError as exc:
        return _page(report, notice=exc.message), exc.status
    return _page(report, token=token, survey=survey, rated=request.args.get("rated") == "1")


# The form is authorised by the survey token it carries, not by a cookie: another site cannot submit it
# with the resident's authority unless it already holds their link, so there is no CSRF token to check.
@blp.post("/r/<string:tracking_no>/rating")
@csrf.exempt
@limiter.limit("20/minute")
def rate(tracking_no: str) -> Any:
    report = _report(tracking_no)
    token = request.form.get("t", "")
    try:
        survey = survey_for_link(report, token)
    except APIError as exc:
        return _page(report, notice=exc.message), exc.status
    form = {key: request.form.get(key, "") for key in ("rating", "solved", "comment")}
    problem = _form_problem(form)
    if problem:
        return _page(report, token=token, survey=survey, error=problem, form=form), 422
    try:
        submit_answer(report, form["rating"], SOLVED_CHOICES[form["solved"]], form["comment"], LINK_CHANNEL)
    except APIError as exc:
        return _page(report, token=token, survey=survey, error=exc.message, form=form), exc.status
    return redirect(url_for("web.report_page", tracking_no=report.tracking_no, t=token, rated=1), code=303)


def _form_problem(form: dict[str, str]) -> str | None:
    """What is wrong with a submitted rating form, in words for the resident; None when it is fine."""
    if form["rating"] not in RATINGS:
        return "请选择您对办理结果的满意程度。"
    if form["solved"] not in SOLVED_CHOICES:
        return "请选择问题是否已解决。"
    if len(form["comment"].strip()) > COMMENT_MAX:
        return f"意见最多{COMMENT_MAX}字，请删减后再提交。"
    return None
