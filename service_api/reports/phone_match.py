"""Finding what was filed with a phone number, whichever way the number was written when it was stored.

Stored numbers become canonical E.164 (service_api.phones) as they are written; rows from before may hold
"13800138000" or "+86 138 0013 8000". A lookup asks for every usual form of the number, each checked to be
the same number through `canonical_phone`, so the comparison is canonical on both sides and still uses the
index on the column.
"""

from __future__ import annotations

from typing import Any

import phonenumbers
from sqlalchemy import or_

from service_api.phones import canonical_phone_or_none


def stored_forms(phone: str | None) -> list[str]:
    """The forms in which `phone` may be stored (all the same number); empty when it is not a valid number."""
    canonical = canonical_phone_or_none(phone)
    if canonical is None:
        return []
    number = phonenumbers.parse(canonical)
    national = str(number.national_number)
    country = str(number.country_code)
    candidates = {
        canonical, national, country + national, "00" + country + national,
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
    }
    return sorted(form for form in candidates if canonical_phone_or_none(form) == canonical)


def owned_reports(citizen_id: int) -> Any:
    """SQL condition on Report: the reports a signed-in resident owns, linked to their account or filed with
    their phone from any channel (anonymous, chatbot, hotline). One rule for /me/reports and /me/notifications;
    Principal.can_read_report is the same rule for one report."""
    from service_api.extensions import db
    from service_api.models import Citizen, Report

    citizen = db.session.get(Citizen, citizen_id)
    forms = stored_forms(citizen.phone if citizen else None)
    linked = Report.citizen_id == citizen_id
    return or_(linked, Report.contact_phone.in_(forms)) if forms else linked
