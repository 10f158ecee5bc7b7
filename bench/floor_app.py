"""A second baseline for bench_api.py (--floor): the report endpoint's framework layers without the service.

flask-smorest with the service's own request and response schemas (webargs + marshmallow load of the same body,
marshmallow dump of a response of the same shape, url_for links, JSON), and nothing else: no database, no hooks,
no intake. What this costs against hello-world is what the fixed stack takes before any of the service's work.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import count
from typing import Any

from flask import Flask, url_for
from flask.views import MethodView
from flask_smorest import Api, Blueprint

from service_api.schemas.reports import ReportCreatedSchema, ReportCreateSchema


def build(store: Callable[[dict[str, Any]], tuple[int, str]] | None = None) -> Flask:
    """The floor app; `store(data)`, when given, writes the report and returns its id and tracking number."""
    app = Flask(__name__)
    app.config.update(API_TITLE="floor", API_VERSION="1", OPENAPI_VERSION="3.0.3")
    api = Api(app)
    blp = Blueprint("reports", __name__, url_prefix="/api/v1/reports")
    numbers = count(1)

    @blp.route("")
    class Reports(MethodView):
        @blp.arguments(ReportCreateSchema())
        @blp.response(201, ReportCreatedSchema)
        def post(self, data: dict[str, Any]) -> Any:
            if store is None:
                number = next(numbers)
                tracking_no = f"R20261201{number:06d}"
            else:
                number, tracking_no = store(data)
            location = data.get("location")
            return {
                "id": number, "tracking_no": tracking_no, "status": "received", "status_text": "已受理",
                "case_no": None, "matter": None, "description": data["description"], "address": data.get("address"),
                "location": {"lat": location["lat"], "lng": location["lng"], "crs": "cgcs2000"} if location else None,
                "location_description": None, "channel": "miniprogram", "created_at": datetime.now(UTC),
                "photos": [], "timeline": [{"at": datetime.now(UTC), "action": "submitted", "text": "提交成功"}],
                "outcome": None, "outcome_photos": [], "rating": None,
                "links": {"self": url_for("reports.ReportById", report_ref=tracking_no),
                          "rating": url_for("reports.ReportById", report_ref=number) + "/rating"},
                "access_token": "x" * 43,
            }

    @blp.route("/<string:report_ref>")
    class ReportById(MethodView):
        def get(self, report_ref: str) -> Any:
            return {"tracking_no": report_ref}

    api.register_blueprint(blp)
    return app


app = build()
