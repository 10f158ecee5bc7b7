"""One JSON error shape for the whole API: {"status", "code", "message", "errors"?}.

Residents read `message` (Chinese); programs read `code`; `errors` names each bad field.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from service_api.validation_text import field_label, translate_messages, whole_field_message

log = logging.getLogger(__name__)

_DEFAULT_CODES = {
    400: ("bad_request", "请求有误"),
    401: ("unauthorized", "需要登录或有效的令牌"),
    403: ("forbidden", "无权访问"),
    404: ("not_found", "未找到"),
    405: ("method_not_allowed", "不支持该请求方法"),
    409: ("conflict", "与当前状态冲突"),
    413: ("payload_too_large", "上传内容过大"),
    415: ("unsupported_media_type", "不支持的内容类型"),
    422: ("validation_error", "提交的内容不符合要求"),
    429: ("too_many_requests", "请求过于频繁，请稍后再试"),
    500: ("internal_error", "服务器内部错误，请稍后再试"),
    503: ("unavailable", "服务暂时不可用，请稍后再试"),
    507: ("insufficient_storage", "存储空间不足，请稍后再试"),
}


class APIError(Exception):
    """Raise anywhere in a request to answer with a JSON error."""

    def __init__(self, status: int, code: str | None = None, message: str | None = None,
                 errors: dict[str, Any] | None = None) -> None:
        default_code, default_message = _DEFAULT_CODES.get(status, ("error", "出错了"))
        super().__init__(message or default_message)
        self.status = status
        self.code = code or default_code
        self.message = message or default_message
        self.errors = errors


def error_response(status: int, code: str, message: str, errors: dict[str, Any] | None = None) -> Response:
    body: dict[str, Any] = {"status": status, "code": code, "message": message}
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    return response


def _field_summary(messages: dict[str, Any]) -> str:
    """Name the bad fields in Chinese, e.g. '问题描述（description）长度应在 1 到 4000 之间；联系方式（contact）应为
    JSON 对象…' (messages are already translated; field_label names the field, never a path like contact._schema)."""
    parts: list[str] = []

    def walk(path: list[str], value: Any) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk([*path, str(key)], sub)
            return
        texts = [str(v) for v in value] if isinstance(value, list) else [str(value)]
        if path and path[-1] == "_schema":
            texts = [whole_field_message(t) for t in texts]
        parts.append(f"{field_label(path)}：{'，'.join(texts)}")

    walk([], messages)
    return "；".join(parts)


def validation_error(messages: dict[str, Any]) -> APIError:
    """The API's 422 for marshmallow messages, for pages that check their query the API's way (the console's
    filters): the same Chinese message the API would answer with."""
    errors = translate_messages(messages)
    return APIError(422, "validation_error", f"{_DEFAULT_CODES[422][1]}：{_field_summary(errors)}", errors)


def _flatten_locations(locations: Any) -> dict[str, Any]:
    """webargs messages by location → by field; a location-level error (e.g. bad JSON) keeps the location name."""
    if not isinstance(locations, dict):
        return {"_request": locations}
    errors: dict[str, Any] = {}
    for location, value in locations.items():
        if isinstance(value, dict):
            errors.update(value)
        else:  # {"json": ["Invalid JSON body."]}
            errors[location] = value
    return errors


def _wants_json() -> bool:
    return not request.path.startswith("/staff") or request.accept_mimetypes.best == "application/json"


def _console_error_page(exc: HTTPException) -> Response:
    """The console's error page in Chinese for errors raised before a staff view is known (405, 413, 429…),
    instead of Werkzeug's English one."""
    from flask import render_template

    status = exc.code or 500
    response = exc.get_response()
    message = _DEFAULT_CODES.get(status, ("error", "出错了"))[1]
    response.set_data(render_template("staff/error.html", status=status, message=message))
    response.mimetype = "text/html"
    return response


def abandon_transaction() -> None:
    """An error answers the request: what the request wrote and did not commit is dropped, and the session is
    usable again for whatever the error handler still reads."""
    from service_api.extensions import db

    db.session.rollback()


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(APIError)
    def handle_api_error(exc: APIError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.errors)

    @app.errorhandler(HTTPException)
    def handle_http_exception(exc: HTTPException) -> Response | HTTPException:
        status = exc.code or 500
        if not _wants_json():
            return _console_error_page(exc) if status >= 400 else exc
        code, message = _DEFAULT_CODES.get(status, ("error", exc.description or "出错了"))
        errors = None
        data = getattr(exc, "data", None) or {}
        if "messages" in data:  # webargs/marshmallow validation from flask-smorest
            errors = translate_messages(_flatten_locations(data["messages"]))  # marshmallow writes English
            message = f"{message}：{_field_summary(errors)}"
        elif status == 413:
            message = "上传内容过大：请求体超过允许的大小"
        elif status == 429 and getattr(getattr(exc, "limit", None), "error_message", None):
            message = str(exc.description)  # a limit that says in its own words what to do (e.g. the chat's)
        response = error_response(status, code, message, errors)
        if status == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response.headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(OperationalError)
    def handle_database_unavailable(exc: OperationalError) -> Response:
        # The database restarting or unreachable: nothing was stored, the client should retry shortly.
        log.warning("database unavailable on %s %s: %s", request.method, request.path, str(exc).splitlines()[0])
        abandon_transaction()
        response = error_response(503, "unavailable", _DEFAULT_CODES[503][1])
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", _DEFAULT_CODES[500][1])
