"""Blueprints for console pages that live with their feature (audit, security, personal data) yet look and
behave like the rest of /staff: same sign-in, navigation, templates and error pages."""

from __future__ import annotations

from flask import Blueprint

from service_api.errors import APIError
from service_api.staff.auth import load_staff


def staff_page_blueprint(name: str, import_name: str, url_prefix: str) -> Blueprint:
    from service_api.staff import console, errors

    blp = Blueprint(name, import_name, url_prefix=url_prefix, template_folder="templates")
    @blp.before_request
    def _load_user() -> None:
        load_staff()

    blp.context_processor(console.template_globals)
    blp.register_error_handler(APIError, errors.api_error)
    blp.register_error_handler(403, errors.http_error)
    blp.register_error_handler(404, errors.http_error)
    return blp
