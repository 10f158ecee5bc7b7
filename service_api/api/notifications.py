"""Notifications: a resident's in-app messages, and the outbox's failures for staff."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate
from sqlalchemy import and_, or_

from service_api.auth.principal import current_principal, require_staff
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Notification, Report, utcnow
from service_api.privacy import mask_phone
from service_api.reports.phone_match import owned_reports
from service_api.schemas.common import PageArgsSchema
from service_api.vocab import MESSAGE_CHANNELS, PHONE_CHANNELS, TEXT_CHANNELS, Channel

blp = Blueprint("notifications", __name__, description="消息通知")
VISIBLE_STATES = ("sent", "delivered")


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
    status = fields.String(load_default="failed", validate=validate.OneOf(
        ("pending", "claimed", "sending", "sent", "delivered", "failed", "cancelled")))
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


def _mine():
    """The resident's messages: their in-app list, and those of every report they own by the rule of
    /me/reports (phone_match.owned_reports). A report not linked to an account has no in-app rows: its
    messages are the texts sent to its phone or WeChat; a linked one's are its in-app rows (no doubles)."""
    citizen_id = _citizen_id()
    return db.session.query(Notification).outerjoin(Report, Notification.report_id == Report.id).filter(
        Notification.status.in_(VISIBLE_STATES),
        or_(and_(Notification.citizen_id == citizen_id, Notification.channel == Channel.INAPP),
            and_(owned_reports(citizen_id),
                 or_(Notification.channel == Channel.INAPP,
                     and_(Report.citizen_id.is_(None), Notification.channel.in_(TEXT_CHANNELS))))))


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
        query = _mine()
        unread = query.filter(Notification.read_at.is_(None)).count()
        if args["unread"]:
            query = query.filter(Notification.read_at.is_(None))
        total = query.count()
        page, size = args["page"], args["page_size"]
        rows = query.order_by(Notification.id.desc()).offset((page - 1) * size).limit(size)
        return {"items": [_to_dict(r) for r in rows], "total": total, "unread": unread, "page": page,
                "page_size": size}


@blp.route("/api/v1/me/notifications/<int:notification_id>/read")
class MarkRead(MethodView):
    @blp.response(200, NotificationOutSchema)
    def post(self, notification_id: int) -> Any:
        """标记一条消息为已读（重复标记无副作用）。"""
        row = _mine().filter(Notification.id == notification_id).one_or_none()
        if row is None:
            raise APIError(404, "notification_not_found", "未找到该消息")
        if row.read_at is None:
            row.read_at = utcnow()
            db.session.commit()
        return _to_dict(row)


@blp.route("/api/v1/me/notifications/read-all")
class MarkAllRead(MethodView):
    @blp.response(200, ReadAllResultSchema)
    def post(self) -> Any:
        """全部标记为已读。"""
        rows = _mine().filter(Notification.read_at.is_(None)).all()
        now = utcnow()
        for row in rows:
            row.read_at = now
        db.session.commit()
        return {"marked": len(rows)}


@blp.route("/api/v1/notifications")
class Outbox(MethodView):
    @blp.arguments(OutboxArgsSchema, location="query")
    @blp.response(200, OutboxPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """（工作人员）通知发送情况，默认列出发送失败的通知。"""
        require_staff()
        query = db.session.query(Notification).filter(Notification.status == args["status"])
        if args["channel"]:
            query = query.filter(Notification.channel == args["channel"])
        total = query.count()
        page, size = args["page"], args["page_size"]
        rows = query.order_by(Notification.id.desc()).offset((page - 1) * size).limit(size).all()
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
        row = db.session.get(Notification, notification_id, with_for_update=True)
        if row is None:
            raise APIError(404, "notification_not_found", "未找到该通知")
        if row.status != "failed":
            raise APIError(409, "not_failed", "只有发送失败的通知可以重新发送")
        # An uncertain row keeps its flag: the worker looks the message up at the provider before resending.
        row.status, row.attempts, row.send_after, row.last_error = "pending", 0, utcnow(), None
        db.session.commit()
        item = {c: getattr(row, c) for c in OutboxRowSchema._declared_fields}
        item["recipient"] = mask_phone(row.recipient) if row.channel in PHONE_CHANNELS else None
        return item
