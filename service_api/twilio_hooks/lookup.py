"""Status of a case or report by its number, as the SMS line and the voice line tell it."""

from __future__ import annotations

import re

from flask import current_app

from service_api.cases.lookup import case_by_no
from service_api.models import Case
from service_api.numbers import normalise_ref
from service_api.privacy import mask_text
from service_api.reports.lookup import report_by_tracking_no
from service_api.vocab import HANDLED_STATUSES, STATUS_TEXT, Status


def ref_from_digits(digits: str) -> str | None:
    """Keypad input → a case number (area+date+seq or date+seq) or tracking number (date+6)."""
    digits = re.sub(r"\D", "", digits)
    area = current_app.extensions["settings"].area_code
    if len(digits) == 19:
        return f"C{digits[:6]}-{digits[6:14]}-{digits[14:]}"
    if len(digits) == 13:
        return f"C{area}-{digits[:8]}-{digits[8:]}"
    if len(digits) == 14:
        return f"R{digits}"
    return None


def status_of(ref: str, phone: str | None) -> tuple[str, str] | None:
    """(status text, detail) for a case number, or a tracking number reported from `phone`; else None."""
    ref = normalise_ref(ref)
    if ref.startswith("C"):
        case = case_by_no(ref)
        return _case_status(case) if case is not None else None
    report = report_by_tracking_no(ref)
    if report is None or (phone and report.contact_phone and report.contact_phone != phone):
        return None  # tracking numbers are private to whoever reported
    if report.case is None:
        return STATUS_TEXT[Status.RECEIVED], ""
    status, detail = _case_status(report.case)
    return status, f"案件编号{report.case.case_no}。{detail}"


def _case_status(case: Case) -> tuple[str, str]:
    detail = ""
    if case.status in HANDLED_STATUSES and case.outcome:
        # anyone may text or dial a case number: numbers in the outcome are masked, before it is cut short
        detail = f"处置结果：{(mask_text(case.outcome) or '')[:60]}"
    return STATUS_TEXT.get(case.status, case.status), detail
