"""Fixtures for the staff console: signed-in browser-like clients, one per user."""

from __future__ import annotations

import re

import pytest
from flask import g
from flask.testing import FlaskClient

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct-horse-1"


class StaffClient(FlaskClient):
    """A test client that forgets per-request `g` values: the suite's `app` fixture keeps one app context
    pushed, so without this a second client would see the first one's CSRF token and user."""

    def open(self, *args, **kwargs):
        for name in ("csrf_token", "principal", "staff"):
            g.pop(name, None)
        return super().open(*args, **kwargs)

    def csrf(self, path: str = "/staff/login") -> str:
        page = self.get(path)
        match = TOKEN.search(page.get_data(as_text=True))
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post_form(self, path: str, data: dict, page: str | None = None, **kwargs):
        return self.post(path, data={**data, "csrf_token": self.csrf(page or "/staff/login")}, **kwargs)


@pytest.fixture
def staff_client(app, make_staff):
    """staff_client(role, department_code=None) → (client signed in as a new user of that role, user)."""
    app.test_client_class = StaffClient

    def make(role: str, department_code: str | None = None):
        user, _ = make_staff(role, department_code=department_code)
        client = app.test_client()
        response = client.post_form("/staff/login", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client, user

    return make
