"""Staff case API: list, read and move cases through the workflow."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.auth.principal import current_principal, require_staff
from service_api.cases.queries import (
    case_detail,
    case_summary,
    filter_cases,
    get_visible_case,
    transition_case,
    visible_cases,
)
from service_api.cases.workflow import TRANSITIONS
from service_api.models import CASE_STATUSES, Case
from service_api.models.report import CHANNELS
from service_api.schemas.common import PageArgsSchema

blp = Blueprint("cases", __name__, url_prefix="/api/v1/cases", description="案件（工作人员）")


class CaseFilterSchema(PageArgsSchema):
    status = fields.String(validate=validate.Length(max=200))
    matter = fields.String(validate=validate.Regexp(r"^\d{2,5}$"))
    department = fields.String(validate=validate.Length(max=40))
    grid = fields.String(validate=validate.Regexp(r"^\d{15}$"))
    street = fields.String(validate=validate.Regexp(r"^\d{9}$"))
    community = fields.String(validate=validate.Regexp(r"^\d{12}$"))
    district = fields.String(validate=validate.Regexp(r"^\d{6}$"))
    channel = fields.String(validate=validate.OneOf(CHANNELS))
    triage = fields.Boolean()
    date_from = fields.Date()
    date_to = fields.Date()


class TransitionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(list(TRANSITIONS)))
    note = fields.String(validate=validate.Length(max=2000), allow_none=True)
    outcome = fields.String(validate=validate.Length(max=4000), allow_none=True)
    outcome_photo_ids = fields.List(fields.String(), validate=validate.Length(max=9), load_default=list)
    department = fields.String(validate=validate.Length(max=40), allow_none=True)
    deadline = fields.AwareDateTime(allow_none=True, default_timezone=None)
    reason = fields.String(validate=validate.Length(max=200), allow_none=True)


def validate_status(value: str | None) -> None:
    from service_api.errors import APIError

    for status in (value or "").split(","):
        if status and status not in CASE_STATUSES:
            raise APIError(422, "unknown_status", f"未知的状态 {status!r}", {"status": [status]})


@blp.route("")
class Cases(MethodView):
    @blp.arguments(CaseFilterSchema, location="query")
    @blp.response(200)
    def get(self, args: dict[str, Any]) -> Any:
        """案件列表：按状态、事项、部门、网格、日期筛选，分页。"""
        staff = require_staff()
        validate_status(args.get("status"))
        query = filter_cases(visible_cases(staff), args)
        total = query.count()
        page, size = args["page"], args["page_size"]
        rows = query.order_by(Case.created_at.desc(), Case.id.desc()).offset((page - 1) * size).limit(size)
        return {"items": [case_summary(c) for c in rows], "total": total, "page": page, "page_size": size}


@blp.route("/<string:case_no>")
class CaseByNo(MethodView):
    @blp.response(200)
    def get(self, case_no: str) -> Any:
        """案件详情：合并的反映、照片、完整历史、当前可执行的操作。"""
        staff = require_staff()
        return case_detail(get_visible_case(case_no, staff), staff)


@blp.route("/<string:case_no>/transitions")
class CaseTransitions(MethodView):
    @blp.arguments(TransitionSchema)
    @blp.response(200)
    def post(self, data: dict[str, Any], case_no: str) -> Any:
        """执行一个流程操作（立案、派遣、处置、核查、结案、回退、重新办理、延期、不予立案）。非法操作返回 409。"""
        staff = require_staff()
        case = transition_case(case_no, data, staff, current_principal())  # committed: case_detail reads it afresh
        return case_detail(case, staff)
