from __future__ import annotations

import pytest

from tests.staff.conftest import PASSWORD, StaffClient


@pytest.fixture
def staff_session(app, make_staff):
    """staff_session(role) → a test client signed in to the console as a new user of that role."""

    def make(role: str):
        app.test_client_class = StaffClient
        user, _ = make_staff(role)
        client = app.test_client()
        response = client.post_form("/staff/login", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        return client

    return make
