"""Open311 GeoReport v2 routes under /open311/v2/, each as .json and .xml.

Every answer from this blueprint, errors included (404/405/413/429, validation, unexpected), is in the
Open311 format: a bare list of {code, description}, or <errors><error> in XML.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from service_api.errors import APIError, abandon_transaction
from service_api.extensions import limiter
from service_api.models import ApiKey
from service_api.open311 import catalog, keys, query
from service_api.open311.formats import render, render_error
from service_api.open311.params import Open311Error, check_jurisdiction, parse_bool
from service_api.open311.submit import submit

log = logging.getLogger(__name__)

PREFIX = "/open311/v2"
blp = Blueprint("open311", __name__, url_prefix=PREFIX)
FORMATS = "<any(json,xml):fmt>"
ANONYMOUS_RATE_LIMIT = "300/hour"
CHANGESET = "2026-11-24T00:00:00+08:00"
_MESSAGES = {
    403: "api_key 缺失、无效或已吊销",
    404: "未找到",
    405: "不支持该请求方法",
    413: "请求体过大",
    429: "请求过于频繁，请稍后再试",
}


def _fmt() -> str:
    fmt = (request.view_args or {}).get("fmt")
    if fmt in ("json", "xml"):
        return fmt
    return "xml" if request.path.endswith(".xml") else "json"


# --- API keys and per-key rate limits -------------------------------------------------------------

def _sent_key() -> str | None:
    value = request.values.get("api_key") if request.method != "GET" else request.args.get("api_key")
    return (value or "").strip() or None


def _api_key() -> ApiKey | None:
    """The caller's active key, looked up once per request (cached in the WSGI environ, not in `g`,
    which outlives a request when an app context is already pushed)."""
    cache = request.environ
    if "open311.api_key" not in cache:
        cache["open311.api_key"] = keys.find_active_key(_sent_key())
    return cache["open311.api_key"]


def _rate_key() -> str:
    key = _api_key()
    return f"open311-key:{key.id}" if key is not None else f"open311-ip:{request.remote_addr or '-'}"


def _rate_limit() -> str:
    key = _api_key()
    return key.rate_limit if key is not None else ANONYMOUS_RATE_LIMIT


# One budget per key across every Open311 route (a shared limit, not one per endpoint).
limiter.shared_limit(_rate_limit, scope="open311", key_func=_rate_key)(blp)


def require_key() -> ApiKey:
    key = _api_key()
    if key is None:
        raise Open311Error(403, "api_key 缺失、无效或已吊销")
    return key


# --- errors ---------------------------------------------------------------------------------------

@blp.before_app_request
def _routing_errors() -> Response | None:
    """Unknown paths and methods under /open311/v2 fail before any blueprint is chosen: answer them here."""
    exc = request.routing_exception
    if exc is None or not (request.path == PREFIX or request.path.startswith(PREFIX + "/")):
        return None
    if not isinstance(exc, HTTPException) or exc.code not in (404, 405):
        return None
    return _http_error(exc)


def _http_error(exc: HTTPException) -> Response:
    status = exc.code or 500
    response = render_error(_fmt(), status, _MESSAGES.get(status, exc.description or "请求有误"))
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@blp.errorhandler(Open311Error)
def _open311_error(exc: Open311Error) -> Response:
    abandon_transaction()  # e.g. photos saved before a later check failed
    return render_error(_fmt(), exc.status, exc.description)


@blp.errorhandler(APIError)
def _api_error(exc: APIError) -> Response:
    abandon_transaction()
    return render_error(_fmt(), exc.status, exc.message)


@blp.errorhandler(HTTPException)
def _http_exception(exc: HTTPException) -> Response:
    return _http_error(exc)


@blp.errorhandler(OperationalError)
def _database_unavailable(exc: OperationalError) -> Response:
    """The database is down or restarting: a temporary 503 the partner should retry, not a 500."""
    log.warning("open311: database unavailable on %s %s: %s", request.method, request.path, exc.orig)
    abandon_transaction()
    response = render_error(_fmt(), 503, "服务暂时不可用，请稍后再试")
    response.headers["Retry-After"] = "5"
    return response


@blp.errorhandler(Exception)
def _unexpected(exc: Exception) -> Response:
    log.exception("open311: unhandled error on %s %s", request.method, request.path)
    abandon_transaction()
    return render_error(_fmt(), 500, "服务器内部错误，请稍后再试")


# --- routes ---------------------------------------------------------------------------------------

@blp.get(f"/discovery.{FORMATS}")
def discovery(fmt: str) -> Response:
    settings = current_app.extensions["settings"]
    base = settings.public_base_url.rstrip("/") + PREFIX + "/"
    body = {
        "changeset": CHANGESET,
        "contact": "青岛市市南区城市运行管理服务中心，热线 12319",
        "key_service": "API 密钥由平台管理员签发（flask open311 create-key）",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2",
            "url": base,
            "changeset": CHANGESET,
            "type": "production",
            "formats": ["text/xml", "application/json"],
        }],
    }
    return render(fmt, "discovery", body)


@blp.get(f"/services.{FORMATS}")
def services(fmt: str) -> Response:
    check_jurisdiction(request.args.get("jurisdiction_id"))
    return render(fmt, "services", [s.to_dict() for s in catalog.list_services()])


@blp.get(f"/services/<string:service_code>.{FORMATS}")
def service_definition(service_code: str, fmt: str) -> Response:
    check_jurisdiction(request.args.get("jurisdiction_id"))
    service = catalog.get_service(service_code)
    if service is None:
        raise Open311Error(404, f"service_code {service_code[:16]} 不存在")
    return render(fmt, "service_definition", service.definition())


@blp.post(f"/requests.{FORMATS}")
def create_request(fmt: str) -> Response:
    api_key = require_key()
    check_jurisdiction(request.values.get("jurisdiction_id"))
    submitted = submit(request.form, request.files.getlist("media"), request.headers, api_key)
    report, row = submitted.report, submitted.request
    item: dict[str, Any] = {"service_request_id": report.tracking_no} if report.case_id is not None else {
        "token": row.token}
    item["service_notice"] = query.service_notice(report)
    item["account_id"] = row.account_id
    return render(fmt, "requests", [item], 201 if submitted.created else 200)


@blp.get(f"/requests.{FORMATS}")
def list_requests(fmt: str) -> Response:
    check_jurisdiction(request.args.get("jurisdiction_id"))
    extensions = parse_bool(request.args.get("extensions"), "extensions")
    filters = query.read_filters(request.args)
    return render(fmt, "requests", query.requests_to_list(query.find_reports(filters), extensions))


@blp.get(f"/requests/<string:service_request_id>.{FORMATS}")
def get_request(service_request_id: str, fmt: str) -> Response:
    check_jurisdiction(request.args.get("jurisdiction_id"))
    extensions = parse_bool(request.args.get("extensions"), "extensions")
    report = query.find_report(service_request_id)
    if report is None:
        raise Open311Error(404, f"service_request_id {service_request_id[:32]} 不存在")
    return render(fmt, "requests", query.requests_to_list([report], extensions))


@blp.get(f"/tokens/<string:token>.{FORMATS}")
def token_status(token: str, fmt: str) -> Response:
    check_jurisdiction(request.args.get("jurisdiction_id"))
    found = query.token_request(token)
    if found is None:
        raise Open311Error(404, f"token {token[:40]} 不存在")
    return render(fmt, "requests", [found])
