"""Notifications: a resident's in-app messages, and the outbox's failures for staff."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from service_api.api.outbox import outbox_page, resend
from service_api.auth.principal import current_principal, require_staff
from service_api.errors import APIError
from service_api.models import Notification
from service_api.privacy import mask_phone
from service_api.reports.inbox import inbox_page, mark_all_read, mark_read
from service_api.schemas.common import PageArgsSchema
from service_api.vocab import MESSAGE_CHANNELS, NOTIFICATION_STATES, PHONE_CHANNELS, NotificationState

blp = Blueprint("notifications", __name__, description="消息通知")


class NotificationOutSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    body = fields.String()
    report_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    read = fields.Boolean()
    read_at = fields.DateTime(allow_none=True)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationOutSchema))
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class MyNotificationArgsSchema(PageArgsSchema):
    unread = fields.Boolean(load_default=False, metadata={"description": "只看未读"})


class ReadAllResultSchema(Schema):
    marked = fields.Integer()


class OutboxArgsSchema(PageArgsSchema):
    status = fields.String(load_default=NotificationState.FAILED, validate=validate.OneOf(NOTIFICATION_STATES))
    channel = fields.String(load_default=None, validate=validate.OneOf(MESSAGE_CHANNELS))


class OutboxRowSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    channel = fields.String()
    recipient = fields.String(allow_none=True)
    report_id = fields.Integer(allow_none=True)
    case_id = fields.Integer(allow_none=True)
    status = fields.String()
    attempts = fields.Integer()
    last_error = fields.String(allow_none=True)
    provider_id = fields.String(allow_none=True)
    provider_status = fields.String(allow_none=True)
    send_after = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class OutboxPageSchema(Schema):
    items = fields.List(fields.Nested(OutboxRowSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


def _citizen_id() -> int:
    principal = current_principal()
    if principal.citizen_id is None:
        raise APIError(401, "login_required", "请先登录")
    return principal.citizen_id


def _to_dict(row: Notification) -> dict[str, Any]:
    return {"id": row.id, "kind": row.kind, "body": row.body, "report_id": row.report_id, "case_id": row.case_id,
            "created_at": row.created_at, "sent_at": row.sent_at, "read": row.read_at is not None,
            "read_at": row.read_at}


@blp.route("/api/v1/me/notifications")
class MyNotifications(MethodView):
    @blp.arguments(MyNotificationArgsSchema, location="query")
    @blp.response(200, NotificationPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """我的消息（站内信），最新的在前。"""
        page, size = args["page"], args["page_size"]
        rows, total, unread = inbox_page(_citizen_id(), args["unread"], page, size)
        return {"items": [_to_dict(r) for r in rows], "total": total, "unread": unread, "page": page,
                "page_size": size}


@blp.route("/api/v1/me/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, NotificationOutSchema)
    def post(self, notification_id: int) -> Any:
        """标记一条消息为已读（重复标记无副作用）。"""
        row = mark_read(_citizen_id(), notification_id)
        if row is None:
            raise APIError(404, "notification_not_found", "未找到该消息")
        return _to_dict(row)


@blp.route("/api/v1/me/notifications/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, ReadAllResultSchema)
    def post(self) -> Any:
        """全部标记为已读。"""
        return {"marked": mark_all_read(_citizen_id())}


@blp.route("/api/v1/notifications")
class Outbox(MethodView):
    @blp.arguments(OutboxArgsSchema, location="query")
    @blp.response(200, OutboxPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """（工作人员）通知发送情况，默认列出发送失败的通知。"""
        require_staff()
        page, size = args["page"], args["page_size"]
        rows, total = outbox_page(args["status"], args["channel"], page, size)
        items = []
        for row in rows:
            item = {c: getattr(row, c) for c in OutboxRowSchema._declared_fields}
            if row.channel in PHONE_CHANNELS:
                item["recipient"] = mask_phone(row.recipient)
            elif row.recipient:
                item["recipient"] = row.recipient[:6] + "…"
            items.append(item)
        return {"items": items, "total": total, "page": page, "page_size": size}


@blp.route("/api/v1/notifications/<int:notification_id>/retry")
class RetryNotification(MethodView):
    @blp.response(200, OutboxRowSchema)
    def post(self, notification_id: int) -> Any:
        """（工作人员）重新发送一条失败的通知。"""
        require_staff("agent", "dispatcher")
        row = resend(notification_id)
        item = {c: getattr(row, c) for c in OutboxRowSchema._declared_fields}
        item["recipient"] = mask_phone(row.recipient) if row.channel in PHONE_CHANNELS else None
        return item
