"""Public case status by case number: what anyone holding the number may know (no personal data)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from service_api.cases.lookup import case_by_no, public_events
from service_api.errors import APIError
from service_api.extensions import limiter
from service_api.models import Case
from service_api.numbers import normalise_ref
from service_api.reference.matters import matter_of
from service_api.reports.view import public_event_text
from service_api.vocab import STATUS_TEXT

blp = Blueprint("public", __name__, url_prefix="/api/v1/public", description="公开查询")


def public_case(case: Case) -> dict[str, Any]:
    timeline = []
    for event in public_events(case):
        # the same words as the resident's own timeline (public_event_text masks phones in free text)
        text = "已受理" if event.action == "receive" else public_event_text(event, case)
        timeline.append({"at": event.created_at, "action": event.action, "text": text})
    return {"case_no": case.case_no, "status": case.status, "status_text": STATUS_TEXT.get(case.status, case.status),
            "matter": matter_of(case.matter_code), "updated_at": case.updated_at, "public_timeline": timeline}


@blp.route("/cases/<string:case_no>")
class PublicCase(MethodView):
    @blp.response(200)
    @limiter.limit("60/minute")
    def get(self, case_no: str) -> Any:
        """按案件编号查询办理状态（不含个人信息）。"""
        # as typed: full-width digits and dashes, IME dashes, spaces, lower case (numbers.py)
        case = case_by_no(normalise_ref(case_no))
        if case is None:
            raise APIError(404, "case_not_found", f"未找到案件 {normalise_ref(case_no)[:40]}，请核对案件编号")
        return public_case(case)
