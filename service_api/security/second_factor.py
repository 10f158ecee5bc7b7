"""The step between a correct password and a session, for accounts with a TOTP second factor."""

from __future__ import annotations

from typing import Any

from flask import redirect, session, url_for

from service_api.models import StaffUser, utcnow
from service_api.staff.auth import fingerprint

PENDING_SECONDS = 300  # the password step is good for this long while the code is typed


def begin_second_factor(user: StaffUser, next_path: str | None) -> Any:
    """Password accepted, code still to come: remember who, for a few minutes, and ask for the code."""
    session.clear()
    session["pending_staff"], session["pending_pv"] = user.id, fingerprint(user)
    session["pending_at"] = int(utcnow().timestamp())
    return redirect(url_for("security_pages.second_factor", next=next_path) if next_path
                    else url_for("security_pages.second_factor"))
