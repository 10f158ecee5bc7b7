"""The staff console's blueprint (`staff`, under /staff) and what all its pages share: the signed-in user, the
template filters and globals, the navigation. Each page module (signin, calls, callbacks, case_desk, case_page,
photos, stats_pages) registers its routes on this one blueprint; views.py imports them all."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, g

from service_api.auth.principal import Principal
from service_api.cases import desk
from service_api.cases.workflow import STATUS_TEXT
from service_api.models import AUDITOR, CHANNEL_TEXT, ROLE_TEXT
from service_api.phones import display_phone
from service_api.privacy import mask_phone, mask_text
from service_api.reference.work_calendar import unknown_calendar_year
from service_api.staff.auth import configure_cookies, load_staff
from service_api.stats import figures as stats
from service_api.vocab import CLOSED_STATUSES, Status

SHANGHAI = ZoneInfo("Asia/Shanghai")
STATS_ROLES = ("reviewer", "dispatcher")
PAGE_SIZE = 50

blp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates", static_folder="static",
                static_url_path="/static")
blp.record_once(lambda state: configure_cookies(state.app))


@blp.before_request
def _load_user() -> None:
    load_staff()


@blp.app_template_filter("local")
def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone(SHANGHAI).strftime(fmt) if value else ""


@blp.app_template_filter("pct")
def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@blp.app_template_filter("masked")
def masked(value: str | None) -> str:
    return mask_phone(value) or ""


@blp.app_template_filter("dialable")
def dialable(value: str | None) -> str:
    """A revealed number as staff dial it ("139 0532 1234", "0532-83881234")."""
    return display_phone(value) or ""


@blp.app_template_filter("masked_text")
def masked_text(value: str | None) -> str:
    """Free text residents wrote (comments, notes) with phone and ID numbers masked."""
    return mask_text(value) or ""


@blp.context_processor
def template_globals() -> dict[str, Any]:
    """What every console template may use; the console pages of other packages (staff.pages) share it."""
    return {"staff": g.get("staff"), "ROLE_TEXT": ROLE_TEXT, "STATUS_TEXT": STATUS_TEXT,
            "CHANNEL_TEXT": CHANNEL_TEXT, "RATING_TEXT": stats.RATING_TEXT, "nav": _nav(g.get("staff")),
            "calendar_gap": unknown_calendar_year, "department_text": desk.department_text,
            "Status": Status, "CLOSED_STATUSES": CLOSED_STATUSES}


def _nav(user: Any) -> list[tuple[str, str, str]]:
    if user is None:
        return []
    if user.role == AUDITOR:
        return [("audit_pages.audit_page", "审计日志", "audit")]
    items = []
    if user.role in ("agent", "admin"):
        items += [("staff.call_new", "接听登记", "calls"), ("staff.calls", "来电记录", "calls"),
                  ("staff.callbacks", "待回电", "callbacks")]
    items.append(("staff.cases", "案件台", "cases"))
    items.append(("staff.map_page", "地图", "cases"))
    items.append(("components_staff.index", "城市部件", "components"))
    if user.role in (*STATS_ROLES, "admin"):
        items.append(("staff.stats_page", "满意度与绩效", "stats"))
    return items


def principal() -> Principal:
    """The signed-in staff member as the features' principal."""
    return Principal("staff", staff=g.staff)
