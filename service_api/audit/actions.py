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

# The keys of entries' details (AuditEntry.detail), as the auditor reads them (a key missing here is shown as it is).
DETAIL_TEXT = {
    # sign-in, reveals, case changes
    "via": "途径", "reports": "受理编号", "report_id": "反映序号", "case_no": "案件编号", "kind": "类型",
    "status": "状态", "event": "环节", "from": "原状态", "to": "新状态",
    # records created, changed, deleted (one by one or in bulk) and imported
    "values": "内容", "changed": "变更", "bulk": "批量语句", "rows": "行数", "where": "条件", "columns": "字段",
    "inserted": "新增", "updated": "更新", "deleted": "删除", "bad": "错误行", "replace": "整体替换",
    # exports
    "format": "格式", "filters": "筛选条件", "group_by": "分组", "basis": "口径", "comments": "意见条数",
    # retention, erasure, key rotation, pruning
    "older_than_days": "办结超过（天）", "cases": "案件", "reports_due": "到期反映", "hotline_calls": "来电记录",
    "callbacks": "回电任务", "surveys": "回访", "notifications": "消息", "ratings": "评价", "case_events": "办理记录",
    "rewritten": "已重新加密", "unreadable": "无法解密", "through_seq": "清理至序号", "through_hash": "末条哈希",
    "retention_days": "保留天数",
    # columns of audited records (staff users, departments, Open311 keys, components)
    "username": "用户名", "display_name": "姓名", "role": "角色", "department_id": "部门", "active": "启用",
    "password_hash": "密码", "must_change_password": "须修改密码", "totp_secret": "动态口令密钥", "code": "编码",
    "name": "名称", "prefix": "前缀", "key_hash": "密钥", "type_code": "部件类型", "owner_code": "权属单位",
    "maintainer_code": "养护单位", "note": "备注", "lat": "纬度", "lng": "经度", "source": "来源",
}
# Where a key means something else for one action.
DETAIL_TEXT_BY_ACTION: dict[str, dict[str, str]] = {
    AuditAction.EXPORT: {"from": "起", "to": "止"},
    AuditAction.RESIDENT_EXPORT: {"reports": "反映条数"},
    AuditAction.RESIDENT_DELETED: {"reports": "反映条数"},
    AuditAction.ANONYMISED: {"reports": "反映条数"},
    AuditAction.AUDIT_PRUNED: {"deleted": "清理条数"},
}
# How staff signed in (detail "via").
VIA_TEXT = {"console": "坐席控制台", "token": "接口令牌"}
