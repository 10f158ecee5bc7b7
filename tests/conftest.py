"""Fixtures shared by the whole suite.

`app` runs each test against every backend in TEST_BACKENDS (default: SQLite and, when reachable,
the real PostgreSQL at 127.0.0.1:5432 in a fresh database made for this run and dropped after it).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import g
from sqlalchemy import create_engine, text

from tests.browser import browser, live_server  # noqa: F401  (fixtures for the Chromium tests)
from tests.clock import pinned_clock, test_clock  # noqa: F401  (the service clock: TEST_CLOCK)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = str(PROJECT_ROOT / "migrations")
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REFERENCE_TABLES = {"alembic_version", "categories", "departments"}


def _pg_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 2})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def _backends() -> list[str]:
    wanted = os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",")
    if "postgresql" in wanted and not _pg_available():
        if os.environ.get("CI"):
            raise RuntimeError("PostgreSQL is not reachable at 127.0.0.1:5432 but CI needs it")
        wanted.remove("postgresql")
    return [b for b in wanted if b]


BACKENDS = _backends()


@pytest.fixture(scope="session")
def model_path() -> Path:
    """The trained classifier; `make test` trains it first, this trains it when run alone."""
    path = Path(os.environ.get("INTAKE_MODEL_PATH", PROJECT_ROOT / "intake" / "model" / "classifier.joblib"))
    if not path.exists():
        subprocess.run([sys.executable, "-m", "intake", "train"], cwd=PROJECT_ROOT, check=True)
    return path


def _settings(database_url: str, tmp: Path, model_path: Path, **changes: object):
    from service_api.config import Settings

    settings = Settings(
        database_url=database_url,
        photo_storage_dir=tmp / "photos",
        secret_key="test-secret-key",
        public_base_url="http://testserver.local",
        service_api_key="test-service-key",
        intake_model_path=model_path,
        celery_broker_url="memory://",
        rate_limits_enabled=False,
        wechat_api_base="http://127.0.0.1:9",
    )
    for key, value in changes.items():
        setattr(settings, key, value)
    return settings


def _migrate_and_seed(database_url: str, tmp: Path, model_path: Path) -> None:
    from flask_migrate import upgrade

    from service_api import create_app
    from service_api.reference.loading import load_departments, load_taxonomy

    app = create_app(settings=_settings(database_url, tmp, model_path))
    with app.app_context():
        upgrade(directory=MIGRATIONS)
        load_taxonomy()
        load_departments()
        from service_api.extensions import db

        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    _migrate_and_seed(f"sqlite:///{path}", folder, model_path)
    return path


@pytest.fixture(scope="session")
def pg_url(tmp_path_factory: pytest.TempPathFactory, model_path: Path) -> Iterator[str]:
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    _migrate_and_seed(url, tmp_path_factory.mktemp("pg"), model_path)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_pg(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) if r[0] not in REFERENCE_TABLES]
        if tables:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "service.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_url")
    _truncate_pg(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path, model_path: Path):
    return _settings(database_url, tmp_path, model_path)


@pytest.fixture
def app(settings) -> Iterator:
    from service_api import create_app
    from service_api.extensions import db

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": True}, settings=settings)

    def fresh_request_globals() -> None:
        # The test holds one app context open so it can use db.session between requests, and Flask
        # reuses that context for each test-client request; clear `g` so no request sees another's.
        g.__dict__.clear()

    app.before_request_funcs.setdefault(None, []).insert(0, fresh_request_globals)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def bare_sqlite_app(tmp_path: Path, model_path: Path) -> Iterator:
    """An app on an empty SQLite file, its context open, for tests that step the migrations up and down by hand
    (`MIGRATIONS` is their directory)."""
    from service_api import create_app
    from service_api.extensions import db

    app = create_app(settings=_settings(f"sqlite:///{tmp_path / 'migrate.db'}", tmp_path, model_path))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_staff(app):
    """Create a staff user and return (user, bearer headers)."""
    from service_api.auth.staff import create_staff_user
    from service_api.auth.tokens import issue_staff_token

    def make(role: str, username: str | None = None, department_code: str | None = None):
        if role == "handler" and department_code is None:
            department_code = "street:370202001"
        user = create_staff_user(username or f"{role}-{uuid.uuid4().hex[:6]}", "correct-horse-1", role,
                                 department_code=department_code)
        return user, {"Authorization": f"Bearer {issue_staff_token(user.id, user.password_hash)}"}

    return make


@pytest.fixture
def service_headers() -> dict[str, str]:
    return {"Authorization": "Bearer test-service-key"}
