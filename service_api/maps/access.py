"""Who may read the map layers: staff, by bearer token (API clients) or by the console's session cookie (the
console's own map pages fetch the layers from the same origin).

The session cookie is SameSite=Lax and the layers are read-only GETs without CORS headers, so another site can
neither change anything nor read the answers."""

from __future__ import annotations

from flask import request

from service_api.auth.principal import require_staff
from service_api.models import StaffUser
from service_api.staff.auth import load_staff


def map_staff() -> StaffUser:
    """The staff user reading the map; 401/403 as the rest of the staff API when there is none."""
    if not request.headers.get("Authorization"):
        user = load_staff()
        if user is not None:
            return user
    return require_staff()
