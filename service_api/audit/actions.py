"""The audit vocabulary: every action an entry can name, defined once."""

from __future__ import annotations

from enum import StrEnum


class AuditAction(StrEnum):
    SIGN_IN = "auth.sign_in"
    SIGN_OUT = "auth.sign_out"
    SIGN_IN_FAILED = "auth.sign_in_failed"
    SESSION_EXPIRED = "auth.session_expired"
    PASSWORD_CHANGED = "auth.password_changed"
    TOTP_ENROLLED = "auth.totp_enrolled"
    CONTACT_REVEAL = "contact.reveal"
    CASE_CHANGE = "case.change"
    EXPORT = "data.export"
    RECORD_CREATED = "record.created"
    RECORD_CHANGED = "record.changed"
    RECORD_DELETED = "record.deleted"
    RECORDS_IMPORTED = "record.imported"
    RESIDENT_EXPORT = "resident.export"
    RESIDENT_DELETED = "resident.deleted"
    ANONYMISED = "personal_data.anonymised"
    KEY_ROTATED = "personal_data.key_rotated"
    AUDIT_PRUNED = "audit.pruned"


ACTION_TEXT = {
    AuditAction.SIGN_IN: "登录", AuditAction.SIGN_OUT: "退出登录", AuditAction.SIGN_IN_FAILED: "登录失败",
    AuditAction.SESSION_EXPIRED: "会话超时", AuditAction.PASSWORD_CHANGED: "修改密码",
    AuditAction.TOTP_ENROLLED: "启用动态口令", AuditAction.CONTACT_REVEAL: "查看联系方式",
    AuditAction.CASE_CHANGE: "案件变更", AuditAction.EXPORT: "导出数据", AuditAction.RECORD_CREATED: "新增",
    AuditAction.RECORD_CHANGED: "修改", AuditAction.RECORD_DELETED: "删除", AuditAction.RECORDS_IMPORTED: "批量导入",
    AuditAction.RESIDENT_EXPORT: "居民下载本人数据", AuditAction.RESIDENT_DELETED: "居民注销账号",
    AuditAction.ANONYMISED: "个人信息匿名化", AuditAction.KEY_ROTATED: "更换个人信息加密密钥",
    AuditAction.AUDIT_PRUNED: "清理过期审计记录",
}

# Object types of entries, as the auditor's page names them (a type missing here is shown as it is).
OBJECT_TEXT = {
    "case": "案件", "callback": "回电任务", "citizen": "居民账号", "staff_user": "工作人员账号", "department": "部门",
    "open311_key": "Open311 密钥", "component": "部件", "stats": "统计报表", "audit": "审计日志",
    "personal_data": "个人信息",
}
