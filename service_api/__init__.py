"""The Flask application factory for the public-service API, webhooks and staff pages."""

from __future__ import annotations

import importlib
import importlib.util
import json as stdjson  # "json" is also the service_api.json submodule
import logging
import re
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request, send_from_directory
from flask_smorest import Blueprint as ApiBlueprint
from werkzeug.middleware.proxy_fix import ProxyFix

from service_api import db_liveness
from service_api.audit import tracking as audit_tracking
from service_api.config import INSTANCE_DIR, Settings
from service_api.cookie_session import LazyCookieSessionInterface
from service_api.errors import APIError, register_error_handlers
from service_api.extensions import api as smorest_api
from service_api.extensions import csrf, db, limiter, migrate
from service_api.json import IsoJSONProvider
from service_api.security import headers as security_headers
from service_api.security.production import check_production_settings

# Areas of the app, each a module exposing `blp`. API areas are flask-smorest blueprints (documented
# in the OpenAPI spec); the rest are plain Flask blueprints. An area whose module is not present
# yet is skipped; an area that fails to import fails the app.
BLUEPRINT_MODULES = (
    "service_api.api.auth",
    "service_api.api.photos",
    "service_api.api.reports",
    "service_api.api.me",
    "service_api.api.cases",
    "service_api.api.intake",
    "service_api.api.callbacks",
    "service_api.api.public",
    "service_api.api.ratings",
    "service_api.api.notifications",
    "service_api.api.stats",
    "service_api.api.chat",
    "service_api.components.api",
    "service_api.maps.api",
    "service_api.twilio_hooks.views",
    "service_api.open311.views",
    "service_api.staff.views",
    "service_api.web.views",
    "service_api.webapp.claim",
    "service_api.webapp.views",
    "service_api.components.public_pages",
    "service_api.components.staff_pages",
    "service_api.audit.api",
    "service_api.audit.views",
    "service_api.security.views",
    "service_api.personal_data.api",
    "service_api.personal_data.views",
)
# The web app (/m/) authenticates by bearer tokens kept in the page, never by cookies: nothing to forge.
CSRF_EXEMPT_PREFIXES = ("service_api.api.", "service_api.twilio_hooks.", "service_api.open311.", "service_api.webapp.",
                        "service_api.audit.api", "service_api.personal_data.api")


def create_app(overrides: dict[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    settings = settings or Settings()
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    app.json = IsoJSONProvider(app)
    app.session_interface = LazyCookieSessionInterface()
    app.config.update(settings.flask_config())
    if overrides:
        app.config.update(overrides)
    app.extensions["settings"] = settings
    if settings.trusted_proxies > 0:
        # The client IP (per-IP rate limits, logs) comes from the proxies' X-Forwarded-For, not the socket.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies,  # type: ignore[method-assign]
                                x_proto=settings.trusted_proxies)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    audit_tracking.install(db.session)
    check_production_settings(settings)
    if settings.database_url.startswith("postgresql"):
        with app.app_context():
            db_liveness.install(db.engine)
    migrate.init_app(app, db, directory=str(settings_root() / "migrations"))
    smorest_api.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    _register_blueprints(app)
    register_error_handlers(app)
    security_headers.install(app)
    _register_cli(app)
    _wire_transition_hooks()

    app.before_request(_refuse_lone_surrogates)

    @app.get("/favicon.ico")
    def favicon() -> Any:
        # Browsers ask for it on pages that name no icon; a 404 here is a console error on every such page.
        return send_from_directory(Path(__file__).parent / "staff" / "static", "favicon.svg",
                                   mimetype="image/svg+xml", max_age=86400)

    @app.get("/healthz")
    def healthz() -> Any:
        db.session.execute(db.text("SELECT 1"))
        return jsonify(status="ok")

    return app


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _refuse_lone_surrogates() -> None:
    """JSON may escape a lone UTF-16 surrogate ("\\ud800"), which no database can store: refuse it as a 400.

    Escaped pairs (emoji as "\\ud83d\\ude00") are fine; only bodies with such an escape are parsed twice.
    """
    if not request.is_json or request.content_length is None:
        return
    body = request.get_data(cache=True)
    if not _SURROGATE_ESCAPE.search(body):
        return
    try:
        stdjson.dumps(stdjson.loads(body), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise APIError(400, "bad_text", "请求中含有无效的字符（孤立的 UTF-16 代理项）") from None
    except ValueError:
        return  # not JSON at all: the schema layer answers that


def settings_root() -> Any:
    from service_api.config import PROJECT_ROOT

    return PROJECT_ROOT


def _wire_transition_hooks() -> None:
    """What follows every case transition, in its transaction: residents are told (the outbox), a closed case
    gets its satisfaction survey (a reopened one loses it), and staff decisions become training labels."""
    from service_api import outbox_writer
    from service_api.cases import workflow
    from service_api.feedback import surveys
    from service_api.learning import labels

    workflow.set_transition_hooks(
        [outbox_writer.announce_transition, surveys.schedule_on_transition, labels.capture_label])


def _register_blueprints(app: Flask) -> None:
    for module_name in BLUEPRINT_MODULES:
        if importlib.util.find_spec(module_name.rsplit(".", 1)[0]) is None:
            continue
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        blueprint = module.blp
        if module_name.startswith(CSRF_EXEMPT_PREFIXES):
            csrf.exempt(blueprint)
        if isinstance(blueprint, ApiBlueprint):
            smorest_api.register_blueprint(blueprint)
        else:
            app.register_blueprint(blueprint)


def _register_cli(app: Flask) -> None:
    from service_api.cli import register_commands

    register_commands(app)
