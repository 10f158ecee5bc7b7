"""GET /api/v1/audit and its CSV export: for the auditor role only."""

from __future__ import annotations

from typing import Any

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate, validates_schema
from sqlalchemy import func, select

from service_api.audit.actions import AuditAction
from service_api.audit.query import csv_rows, entry_dict, filtered
from service_api.audit.record import record
from service_api.auth.principal import require_staff
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import AUDITOR
from service_api.schemas.common import PageArgsSchema

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="审计日志（审计员）")


class AuditFilterSchema(Schema):
    actor = fields.String(validate=validate.Length(max=64), metadata={"description": "操作人用户名"})
    action = fields.String(validate=validate.OneOf([a.value for a in AuditAction]))
    object_type = fields.String(validate=validate.Length(max=32))
    object_id = fields.String(validate=validate.Length(max=64))
    date_from = fields.Date(metadata={"description": "起始日期（北京时间，含）"})
    date_to = fields.Date(metadata={"description": "截止日期（北京时间，含）"})

    @validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: Any) -> None:
        # A reversed period is a mistake, answered as GET /api/v1/stats answers it, not an empty page.
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise APIError(422, "bad_period", f"开始日期不能晚于结束日期（{start} 晚于 {end}）",
                           {"date_from": ["开始日期不能晚于结束日期"]})


class AuditPageArgsSchema(AuditFilterSchema, PageArgsSchema):
    pass


class AuditEntrySchema(Schema):
    seq = fields.Integer()
    at = fields.DateTime()
    actor_type = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    actor_role = fields.String(allow_none=True)
    address = fields.String(allow_none=True)
    action = fields.String()
    action_text = fields.String()
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    detail = fields.Dict()
    hash = fields.String()


class AuditPageSchema(Schema):
    items = fields.List(fields.Nested(AuditEntrySchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


def require_auditor() -> None:
    """The auditor only: not even an admin reads the trail of what admins did (等保 三员分立)."""
    staff = require_staff(AUDITOR)
    if staff.role != AUDITOR:
        raise APIError(403, "auditor_only", "只有审计员可以查看审计日志")


def _exported_filters(args: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in args.items() if v not in (None, "")}


@blp.route("")
class AuditList(MethodView):
    @blp.arguments(AuditPageArgsSchema, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """审计日志，最新的在前，可按操作人、操作、对象和日期筛选（仅审计员）。"""
        require_auditor()
        query = filtered(args)
        total = db.session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
        page, size = args["page"], args["page_size"]
        rows = db.session.execute(query.offset((page - 1) * size).limit(size)).scalars()
        return {"items": [entry_dict(e) for e in rows], "total": total, "page": page, "page_size": size}


@blp.route("/export.csv")
class AuditExport(MethodView):
    @blp.arguments(AuditFilterSchema, location="query")
    @blp.response(200, {"type": "string"}, content_type="text/csv")
    def get(self, args: dict[str, Any]) -> Any:
        """导出审计日志 CSV（仅审计员；导出本身也记入审计日志）。"""
        require_auditor()
        return export_response(args)


def export_response(args: dict[str, Any]) -> Response:
    record(AuditAction.EXPORT, object_type="audit", detail={"format": "csv", "filters": _exported_filters(args)})
    db.session.commit()
    query = filtered(args)

    def rows() -> Any:
        yield from csv_rows(db.session.execute(query.execution_options(yield_per=500)).scalars())

    response = Response(stream_with_context(rows()), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = 'attachment; filename="audit.csv"'
    return response
