"""Reading the registry: one component as the API and pages show it, its cases, staff edits with history."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from intake.taxonomy import load_directory
from service_api.components.models import Component, ComponentEvent
from service_api.components.vocab import STATUS_TEXT, STATUSES
from service_api.extensions import db
from service_api.models import OPEN_STATUSES, Case, Department, StaffUser, utcnow

HOT_WINDOW_DAYS = 90  # 问题高发部件: cases in the last 90 days


def type_name(type_code: str) -> str:
    matter = load_directory().component(type_code)
    return matter.name if matter else type_code


def department_names(codes: set[str | None]) -> dict[str, str]:
    wanted = {c for c in codes if c}
    if not wanted:
        return {}
    return {code: name for code, name in db.session.query(Department.code, Department.name)
            .filter(Department.code.in_(sorted(wanted)))}


def get_component(code: str) -> Component | None:
    return db.session.get(Component, code)


def component_dict(component: Component, *, distance_m: float | None = None, staff: bool = True,
                   names: dict[str, str] | None = None) -> dict[str, Any]:
    """The component's public facts; staff also see owner and maintainer (names and codes, never contacts)."""
    data: dict[str, Any] = {
        "code": component.code,
        "type": {"code": component.type_code, "name": type_name(component.type_code)},
        "name": component.name,
        "status": component.status,
        "status_text": STATUS_TEXT.get(component.status, component.status),
        "location": {"lat": component.lat, "lng": component.lng, "crs": "cgcs2000"},
        "location_description": component.location_description,
    }
    if distance_m is not None:
        data["distance_m"] = round(distance_m, 1)
    if staff:
        names = names if names is not None else department_names({component.owner_code, component.maintainer_code})
        data.update({
            "owner": {"code": component.owner_code, "name": names.get(component.owner_code, component.owner_code)},
            "maintainer": ({"code": component.maintainer_code,
                            "name": names.get(component.maintainer_code, component.maintainer_code)}
                           if component.maintainer_code else None),
            "grid_code": component.grid_code, "community_code": component.community_code,
            "street_code": component.street_code, "district_code": component.district_code,
            "note": component.note, "source": component.source, "updated_at": component.updated_at,
        })
    return data


# A case is about a component when it names it and its matter is the component type's "<部件>异常" (same code):
# a stall beside a lamp post filed from the lamp's scan page, or a case whose matter staff corrected, is not.
LINKED = db.and_(Case.component_code == Component.code, Case.matter_code == Component.type_code)


def _linked_cases(code: str) -> Any:
    return db.session.query(Case).join(Component, LINKED).filter(Component.code == code)


def cases_of(code: str, *, limit: int = 20, before: Case | None = None) -> list[Case]:
    """The cases about this component, newest first; `before`: only those created before that case."""
    query = _linked_cases(code)
    if before is not None:
        query = query.filter(Case.id != before.id, db.or_(
            Case.created_at < before.created_at, db.and_(Case.created_at == before.created_at, Case.id < before.id)))
    return list(query.order_by(Case.created_at.desc(), Case.id.desc()).limit(limit))


def open_case_of(code: str) -> Case | None:
    return (_linked_cases(code).filter(Case.status.in_(OPEN_STATUSES))
            .order_by(Case.created_at.desc()).first())


def hot_components(*, type_code: str | None = None, street_code: str | None = None,
                   limit: int = 50) -> list[tuple[Component, int]]:
    """Components with the most cases about them in the last HOT_WINDOW_DAYS days (问题高发部件), most first."""
    since = utcnow() - timedelta(days=HOT_WINDOW_DAYS)
    counts = (db.session.query(Case.component_code, db.func.count(Case.id).label("n"))
              .join(Component, LINKED).filter(Case.created_at >= since)
              .group_by(Case.component_code).subquery())
    query = db.session.query(Component, counts.c.n).join(counts, counts.c.component_code == Component.code)
    if type_code:
        query = query.filter(Component.type_code == type_code)
    if street_code:
        query = query.filter(Component.street_code == street_code)
    return [(c, n) for c, n in query.order_by(counts.c.n.desc(), Component.code).limit(limit)]


class EditError(ValueError):
    pass


def edit_component(component: Component, *, status: str | None = None, owner_code: str | None = None,
                   maintainer_code: str | None = None, note: str | None = None, actor: StaffUser | None = None,
                   case_no: str | None = None) -> ComponentEvent | None:
    """Change status, owner or maintainer, with a history entry; None when nothing changed. Not committed."""
    changes: dict[str, list[Any]] = {}
    if status is not None and status != component.status:
        if status not in STATUSES:
            raise EditError(f"未知的状态 {status!r}")
        changes["status"] = [component.status, status]
    known = department_names({owner_code, maintainer_code})
    if owner_code is not None and owner_code != component.owner_code:
        if owner_code not in known:
            raise EditError(f"未知的权属单位 {owner_code!r}")
        changes["owner_code"] = [component.owner_code, owner_code]
    if maintainer_code is not None and (maintainer_code or None) != component.maintainer_code:
        if maintainer_code and maintainer_code not in known:
            raise EditError(f"未知的养护单位 {maintainer_code!r}")
        changes["maintainer_code"] = [component.maintainer_code, maintainer_code or None]
    if not changes:
        return None
    for field, (_, new) in changes.items():
        setattr(component, field, new)
    component.updated_at = utcnow()
    event = ComponentEvent(component_code=component.code, actor_id=actor.id if actor else None,
                           actor_name=(actor.display_name or actor.username) if actor else "系统",
                           case_no=case_no, changes=changes, note=note, created_at=utcnow())
    db.session.add(event)
    return event


def history(code: str) -> list[ComponentEvent]:
    return list(db.session.query(ComponentEvent).filter_by(component_code=code).order_by(ComponentEvent.id.desc()))
