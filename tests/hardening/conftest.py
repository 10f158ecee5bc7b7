"""Fixtures for the hardening tests: apps with rate limits on, residents with tokens, submitted reports."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import _settings

REDIS_LIMITS_DB = 14  # a database of its own on the shared Redis, flushed by these tests only


@pytest.fixture
def limited_app_factory(sqlite_template: Path, tmp_path: Path, model_path: Path) -> Iterator[Callable[..., Any]]:
    """Build an app on a copy of the SQLite template with rate limits enabled (any storage)."""
    from service_api import create_app
    from service_api.extensions import db

    made: list[Any] = []

    def make(storage_uri: str = "memory://", **changes: Any) -> Any:
        folder = tmp_path / uuid.uuid4().hex[:8]
        folder.mkdir()
        shutil.copy(sqlite_template, folder / "service.db")
        changes = {"rate_limits_enabled": True, **changes}
        settings = _settings(f"sqlite:///{folder / 'service.db'}", folder, model_path,
                             rate_limit_storage_uri=storage_uri, **changes)
        app = create_app({"TESTING": True}, settings=settings)
        made.append(app)
        return app

    yield make
    for app in made:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def citizen(app) -> Callable[[str], tuple[Any, dict[str, str]]]:
    """Create a resident with a phone and return (citizen, bearer headers)."""
    from service_api.auth.tokens import issue_citizen_token
    from service_api.extensions import db
    from service_api.models import Citizen

    def make(phone: str) -> tuple[Any, dict[str, str]]:
        person = Citizen(phone=phone)
        db.session.add(person)
        db.session.commit()
        return person, {"Authorization": f"Bearer {issue_citizen_token(person.id)}"}

    return make
