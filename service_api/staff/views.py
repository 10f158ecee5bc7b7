"""The staff console (/staff): one blueprint, `staff` (console.py), whose pages live one job per module;
importing them here registers their routes, so every URL and endpoint name stays `staff.<view>`.

- signin: sign-in, sign-out, the home page per role
- calls: the hotline call form, its preview and caller history, saved calls, the call list
- callbacks: the callback queue and one callback
- case_desk: the case desk's queues and filters, and the desk's map
- case_page: one case, its transitions and corrections
- photos: report and outcome photos
- stats_pages: satisfaction and performance, and its export
- expired: an expired form token, with what was typed kept
- forms: typed text, length limits and filters checked as the API checks them
- the page kit other packages' console pages share (staff.pages): console (blueprint, filters, globals, navigation),
  errors (error pages) and auth (sessions, login_required)
"""

from __future__ import annotations

from service_api.staff import (  # noqa: F401  (imported for their routes and handlers)
    callbacks,
    calls,
    case_desk,
    case_page,
    errors,
    expired,
    photos,
    signin,
    stats_pages,
)
from service_api.staff.console import blp

__all__ = ["blp"]
