"""How console pages fail: an API error, a 403 or a 404 becomes a page in Chinese (JSON under /staff/api/), and a
refused filter links back to the bare page. Part of the console's page kit (staff.pages shares it with the console
pages of other packages); an expired form token is expired.py."""

from __future__ import annotations

from typing import Any

from flask import jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from service_api.errors import APIError
from service_api.staff.console import blp

# Pages whose query is a filter checked like the API's (forms.checked_args), and where their error page leads back to.
FILTER_PAGES = {"staff.stats_page": "staff.stats_page", "staff.stats_export": "staff.stats_page",
                "staff.cases": "staff.cases", "staff.map_page": "staff.map_page"}


@blp.errorhandler(APIError)
def api_error(exc: APIError) -> Any:
    if request.path.startswith("/staff/api/"):
        body = {"status": exc.status, "code": exc.code, "message": exc.message}
        return jsonify(body), exc.status
    back = None
    if exc.status == 422 and request.endpoint in FILTER_PAGES:  # a refused filter: start that page over
        back = (url_for(FILTER_PAGES[request.endpoint]), "清除筛选条件重新查询")
    return render_template("staff/error.html", status=exc.status, message=exc.message, back=back), exc.status


@blp.errorhandler(403)
@blp.errorhandler(404)
def http_error(exc: HTTPException) -> Any:
    messages = {403: "您的角色无权访问此页面", 404: "未找到该页面或记录"}
    if request.path.startswith("/staff/api/"):
        return jsonify(status=exc.code, code="forbidden" if exc.code == 403 else "not_found",
                       message=messages.get(exc.code or 0, "")), exc.code
    return render_template("staff/error.html", status=exc.code, message=messages.get(exc.code or 0, "")), exc.code
