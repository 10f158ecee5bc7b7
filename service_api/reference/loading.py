"""Loading reference data into the database: the matter directory, departments, demo staff."""

from __future__ import annotations

from intake.routing import load_routing
from intake.taxonomy import load_directory
from service_api.extensions import db
from service_api.models import Category, Department, StaffUser


def load_taxonomy() -> int:
    """Upsert every 管理事项 of the directory (standard plus local extensions).

    Cases are classified into 事项; the 部件 with the same codes (01xxx–05xxx) are their objects and
    stay in the intake library, so one row per code is kept.
    """
    count = 0
    for matter in load_directory().events():
        row = db.session.get(Category, matter.code) or Category(code=matter.code)
        row.kind, row.name, row.major_code, row.major_name = matter.kind, matter.name, matter.major_code, \
            matter.major_name
        row.standard_ref, row.local, row.active = matter.standard_ref, matter.local, True
        db.session.add(row)
        count += 1
    db.session.commit()
    return count


def load_departments() -> int:
    count = 0
    for department in load_routing().departments():
        row = db.session.query(Department).filter_by(code=department.code).one_or_none()
        if row is None:
            row = Department(code=department.code)
            db.session.add(row)
        row.name, row.kind = department.name, department.kind
        count += 1
    db.session.commit()
    return count


DEMO_STAFF = (
    ("agent", "agent", "热线坐席·李静", None),
    ("dispatcher", "dispatcher", "派遣员·王强", None),
    ("reviewer", "reviewer", "督办员·赵敏", None),
    ("admin", "admin", "管理员", None),
)


def load_demo_staff(password: str) -> list[str]:
    from service_api.auth.staff import create_staff_user

    lines = []
    handler_department = db.session.query(Department).filter(Department.code.like("street:%")).order_by(
        Department.code).first()
    users = list(DEMO_STAFF)
    if handler_department is not None:
        users.append(("handler", "handler", f"处置员·{handler_department.name}", handler_department.code))
    for username, role, display_name, department_code in users:
        if db.session.query(StaffUser).filter_by(username=username).one_or_none() is not None:
            lines.append(f"exists: {username}")
            continue
        create_staff_user(username, password, role, display_name=display_name, department_code=department_code,
                          initial=True)
        lines.append(f"created: {username} ({role}) password {password}")
    return lines
