"""What the maps say about one case: its popup on the staff map, and the case page's surroundings (the points
of its reports, its grid's outline and the open cases nearby)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from flask import url_for

from intake.geo.distance import haversine_many
from service_api.cases import desk, intake_runtime
from service_api.cases.queries import visible_cases
from service_api.cases.workflow import STATUS_TEXT
from service_api.errors import APIError
from service_api.extensions import db
from service_api.maps import areas
from service_api.maps.points import overdue_expr
from service_api.maps.tiles import shift_point
from service_api.models import OPEN_STATUSES, Case, Report, StaffUser, utcnow
from service_api.privacy import mask_text
from service_api.reports.view import matter_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEARBY_RADIUS_M = 500
NEARBY_MAX_RADIUS_M = 3000
NEARBY_LIMIT = 200
_M_PER_DEG_LAT = 111_320.0


def _point(lat: float | None, lng: float | None, crs: str) -> dict[str, float] | None:
    if lat is None or lng is None:
        return None
    la, ln = shift_point(lat, lng, crs)
    return {"lat": round(la, 6), "lng": round(ln, 6)}


def case_popup(case_id: int, staff: StaffUser, crs: str) -> dict[str, Any]:
    now = utcnow()
    row = visible_cases(staff).filter(Case.id == case_id).add_columns(overdue_expr(now)).one_or_none()
    if row is None:
        raise APIError(404, "case_not_found", f"未找到案件 {case_id}")
    case, overdue = row
    return {
        "id": case.id, "case_no": case.case_no, "status": case.status,
        "status_text": STATUS_TEXT.get(case.status, case.status), "overdue": bool(overdue),
        "matter": matter_of(case.matter_code),
        "department": department.name if (department := desk.assigned_department(case)) else None,
        "department_text": desk.department_text(case),
        "address": case.address or case.location_description,
        "description": (mask_text(case.description) or "")[:80], "report_count": case.report_count,
        "created_at": case.created_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M"),
        "location": _point(case.lat, case.lng, crs),
        "url": url_for("staff.case_page", case_no=case.case_no),
    }


def surroundings(case: Case, staff: StaffUser, crs: str, radius_m: int = NEARBY_RADIUS_M) -> dict[str, Any]:
    reports = db.session.query(Report).filter_by(case_id=case.id).order_by(Report.id).all()
    nearby: list[dict[str, Any]] = []
    gaz = intake_runtime.geocoder().gaz
    located = areas.in_served_area(gaz, case.lat, case.lng)
    if located and case.lat is not None and case.lng is not None:
        dlat = radius_m / _M_PER_DEG_LAT
        dlng = dlat / max(np.cos(np.radians(case.lat)), 0.1)
        rows = visible_cases(staff).filter(
            Case.id != case.id, Case.status.in_(OPEN_STATUSES),
            Case.lat.between(case.lat - dlat, case.lat + dlat), Case.lng.between(case.lng - dlng, case.lng + dlng),
        ).with_entities(Case.case_no, Case.status, Case.matter_code, Case.lat, Case.lng).all()
        if rows:
            dist = haversine_many(case.lat, case.lng, np.array([r.lat for r in rows]), np.array([r.lng for r in rows]))
            order = [i for i in np.argsort(dist) if dist[i] <= radius_m][:NEARBY_LIMIT]
            nearby = [{"case_no": rows[i].case_no, "status": rows[i].status,
                       "status_text": STATUS_TEXT.get(rows[i].status, rows[i].status),
                       "matter": matter_of(rows[i].matter_code), "distance_m": round(float(dist[i])),
                       "location": _point(rows[i].lat, rows[i].lng, crs),
                       "url": url_for("staff.case_page", case_no=rows[i].case_no)} for i in order]
    return {
        "case_no": case.case_no, "status": case.status, "status_text": STATUS_TEXT.get(case.status, case.status),
        "location": _point(case.lat, case.lng, crs) if located else None, "outside_served_area": not located
        and case.lat is not None, "address": case.address or case.location_description,
        "reports": [{"tracking_no": r.tracking_no, "location": _point(r.lat, r.lng, crs)
                     if areas.in_served_area(gaz, r.lat, r.lng) else None,
                     "location_source": r.location_source} for r in reports],
        "grid": areas.outline(intake_runtime.geocoder().gaz, case.grid_code, crs),
        "radius_m": radius_m, "nearby": nearby,
    }
