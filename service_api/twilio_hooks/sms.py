"""An inbound SMS is a survey answer, an opt-out/opt-in keyword, a status query, or a new report."""

from __future__ import annotations

import re

from service_api.auth.principal import Principal
from service_api.errors import APIError
from service_api.feedback.ratings import RATINGS, parse_sms_answer, submit_answer
from service_api.feedback.surveys import pending_survey_for_phone
from service_api.messages import render
from service_api.models.encrypted import phone_ref
from service_api.numbers import normalise_ref
from service_api.outbox_writer import report_link
from service_api.reports.accept import ReportInput, accept_report, process_after_accept
from service_api.reports.lookup import report_by_id
from service_api.twilio_hooks import store
from service_api.twilio_hooks.lookup import status_of
from service_api.vocab import Source

OPT_OUT = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "退订", "TD", "T"}
OPT_IN = {"START", "YES", "UNSTOP", "订阅", "恢复"}
STATUS_QUERY = re.compile(r"^(?:查询|查|CX)\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9-]{6,30})$", re.IGNORECASE)
MIN_REPORT_CHARS = 5


def handle_sms(phone: str, body: str, message_sid: str, media_urls: list[str]) -> str:
    """The reply text for one inbound SMS (the webhook wraps it in TwiML <Message>)."""
    text = body.strip()
    keyword = text.upper().strip(" .。!！")
    if keyword in OPT_OUT:
        return _set_opt_out(phone, True)
    if keyword in OPT_IN:
        return _set_opt_out(phone, False)
    query = STATUS_QUERY.match(normalise_ref(text))  # "查询 C370202－2026…" typed with full-width dashes
    if query:
        ref = query.group(1).upper()
        found = status_of(ref, phone)
        if found is None:
            return render("sms_not_found", ref=ref)
        return render("sms_status", ref=ref, status=found[0], detail=found[1])
    survey = pending_survey_for_phone(phone)
    answer = parse_sms_answer(text) if survey is not None else None
    if survey is not None and answer is not None:
        return _rate(survey.report_id, *answer)
    if len(text) < MIN_REPORT_CHARS and not media_urls:
        return render("sms_too_short")
    return _new_report(phone, text, message_sid, media_urls)


def _set_opt_out(phone: str, opted_out: bool) -> str:
    store.set_sms_opt_out(phone, opted_out)
    return render("sms_opted_out" if opted_out else "sms_opted_in")


def _rate(report_id: int, rating: str, solved: bool | None, comment: str | None) -> str:
    report = report_by_id(report_id)
    try:
        outcome = submit_answer(report, rating, solved, comment, Source.SMS)
    except APIError as exc:
        return render("sms_rating_refused", message=exc.message)
    extra = "我们已将案件转交复核。" if outcome.flagged else ""
    return render("sms_rating_thanks", case_no=report.case.case_no if report.case else "", rating_text=RATINGS[rating],
                  extra=extra)


def _new_report(phone: str, text: str, message_sid: str, media_urls: list[str]) -> str:
    accepted = accept_report(
        ReportInput(description=text or "（彩信图片反映）", channel=Source.SMS, contact={"phone": phone},
                    channel_ref=phone_ref(Source.SMS, phone), idempotency_key=message_sid or None,
                    extra={"media_urls": media_urls} if media_urls else {}),
        Principal("service"),
    )
    if accepted.created:
        process_after_accept(accepted.report)
    report = report_by_id(accepted.report.id)
    # The webhook's reply is this resident's receipt: it carries intake's referral as the outbox receipt does.
    referral = ((report.case.extra or {}).get("referral") or "") if report.case is not None else ""
    return render("sms_received", tracking_no=report.tracking_no, referral=referral, link=report_link(report))
