"""Fixtures for the audit trail, personal data and account security tests."""

from __future__ import annotations

import uuid

import pytest

from service_api.extensions import db
from service_api.models import Case, Department, Report
from tests.staff.conftest import PASSWORD, StaffClient, staff_client  # noqa: F401  (the signed-in console clients)

RESIDENT_PHONE = "+8613912345678"


def make_case(*, status: str = "registered", phone: str | None = RESIDENT_PHONE, name: str | None = "张小明",
              description: str = "小区门口垃圾满了，请联系我 13912345678", **fields: object) -> Case:
    suffix = uuid.uuid4().int % 100000
    department = db.session.query(Department).filter_by(code="street:370202001").one()
    case = Case(case_no=f"C370202-20260101-{suffix:05d}", status=status, source_channel="miniprogram",
                matter_code="06042", description=description, department_id=department.id,
                street_code="370202001", lat=36.06, lng=120.38, **fields)
    db.session.add(case)
    db.session.flush()
    db.session.add(Report(tracking_no=f"R20260101{suffix:06d}", channel="miniprogram", description=description,
                          case_id=case.id, contact_phone=phone, contact_name=name, in_scope=True,
                          matter_code="06042", raw_lat=36.0601, raw_lng=120.3801, lat=36.06, lng=120.38))
    db.session.commit()
    return case


@pytest.fixture
def signed_in(app, make_staff):
    """signed_in(role) → (console client signed in as a new user of that role, user)."""
    app.test_client_class = StaffClient

    def make(role: str, department_code: str | None = None):
        user, _ = make_staff(role, department_code=department_code)
        client = app.test_client()
        response = client.post_form("/staff/login", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, user

    return make
