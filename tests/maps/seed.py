"""Cases placed inside the demo city's grids, for the map tests (the geocoder says where each point lies)."""

from __future__ import annotations

from datetime import timedelta

import shapely

from service_api.cases import intake_runtime
from service_api.extensions import db
from service_api.models import Case, Department, Report, utcnow


def grid_points(count: int, start: int = 0) -> list[tuple[str, float, float]]:
    """(grid code, lat, lng) of a point inside each of `count` grids of the demo city, in code order."""
    layer = intake_runtime.geocoder().gaz.layers["grid"]
    out = []
    for code, geom in list(zip(layer.codes, layer.geoms, strict=True))[start:start + count]:
        point = shapely.point_on_surface(geom)
        out.append((code, point.y, point.x))
    return out


def place_case(no: int, lat: float, lng: float, status: str = "registered", department: str = "street:370202001",
               day: str = "20261201", reports: list[tuple[float, float]] | None = None, **fields) -> Case:
    """A case at (lat, lng) with its grid, community and street as the geocoder finds them."""
    where = intake_runtime.geocoder().reverse(lat, lng, "cgcs2000")
    dept = db.session.query(Department).filter_by(code=department).one()
    if status == "dispatched" and "deadline" not in fields:
        fields.update(dispatched_at=utcnow() - timedelta(hours=2), deadline=utcnow() + timedelta(days=1))
    case = Case(case_no=f"C370202-{day}-{no:05d}", status=status, source_channel="miniprogram",
                matter_code=fields.pop("matter_code", "06042"), description=fields.pop("description", f"案件{no}"),
                department_id=dept.id,
                lat=lat, lng=lng, grid_code=where.grid_code, community_code=where.community_code,
                street_code=where.street_code, district_code=where.district_code, address=f"测试地点{no}",
                time_limit_amount=4, time_limit_unit="working_hours", **fields)
    db.session.add(case)
    db.session.flush()
    for index, (rlat, rlng) in enumerate(reports or [(lat, lng)]):
        db.session.add(Report(tracking_no=f"R{day}{no:05d}{index:02d}", channel="miniprogram",
                              description=f"反映{no}-{index}", case_id=case.id, is_duplicate=index > 0,
                              lat=rlat, lng=rlng, in_scope=True, matter_code=case.matter_code))
    case.report_count = len(reports or [None])
    db.session.commit()
    return case
