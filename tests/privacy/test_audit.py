"""The audit trail: an entry for each audited action, a chain that reveals edits, the auditor's read-only view."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select, text, update

from service_api.audit.actions import AuditAction
from service_api.audit.models import AuditEntry
from service_api.audit.verify import verify_chain
from service_api.extensions import db
from service_api.models import Department, StaffUser
from tests.privacy.conftest import PASSWORD, make_case


def entries(action: AuditAction | None = None) -> list[AuditEntry]:
    db.session.expire_all()
    query = select(AuditEntry).order_by(AuditEntry.seq)
    if action is not None:
        query = query.where(AuditEntry.action == str(action))
    return list(db.session.scalars(query))


def test_console_sign_in_failure_and_sign_out_are_logged_with_who_and_where(app, make_staff):
    from tests.staff.conftest import StaffClient

    app.test_client_class = StaffClient
    user, _ = make_staff("dispatcher")
    client = app.test_client()
    assert client.post_form("/staff/login", {"username": user.username, "password": "wrong-password-1"}
                            ).status_code == 401
    assert client.post_form("/staff/login", {"username": "nobody-here", "password": "x"}).status_code == 401
    assert client.post_form("/staff/login", {"username": user.username, "password": PASSWORD}).status_code == 302
    client.post_form("/staff/logout", {}, page="/staff/cases")
    failed = entries(AuditAction.SIGN_IN_FAILED)
    assert [(e.object_id, e.reason) for e in failed] == [
        (user.username, "密码错误"), ("nobody-here", "用户不存在或已停用")]
    assert failed[0].actor_role == "dispatcher" and failed[0].address == "127.0.0.1"
    [sign_in] = entries(AuditAction.SIGN_IN)
    assert (sign_in.actor_name, sign_in.actor_role, sign_in.detail) == (user.username, "dispatcher", {"via": "console"})
    [sign_out] = entries(AuditAction.SIGN_OUT)
    assert sign_out.actor_id == user.id


def test_token_sign_in_case_changes_exports_keys_users_and_departments_are_logged(app, client, signed_in,
                                                                                   make_staff):
    user, _ = make_staff("dispatcher")
    assert client.post("/api/v1/auth/staff-token", json={"username": user.username, "password": PASSWORD}
                       ).status_code == 200
    assert entries(AuditAction.SIGN_IN)[-1].detail == {"via": "token"}

    case = make_case()
    dispatcher, staff = signed_in("dispatcher")
    path = f"/staff/cases/{case.case_no}"
    dispatcher.post_form(f"{path}/department", {"department": "370202-hjws", "reason": "环卫负责"}, page=path)
    change = entries(AuditAction.CASE_CHANGE)[-1]
    assert (change.object_type, change.object_id, change.actor_name) == ("case", case.case_no, staff.username)
    assert change.reason.endswith("环卫负责") and change.detail["event"] == "change_department"

    reviewer, _ = signed_in("reviewer")
    assert reviewer.get("/staff/stats/export.csv").status_code == 200
    [export] = entries(AuditAction.EXPORT)
    assert export.object_type == "stats" and export.detail["format"] == "csv"

    from service_api.open311.keys import create_key

    key, _plain = create_key("partner-a")
    db.session.commit()
    key_entry = entries(AuditAction.RECORD_CREATED)[-1]
    assert key_entry.object_type == "open311_key" and key_entry.detail["values"]["name"] == "partner-a"
    assert key.key_hash not in str(key_entry.detail)  # secrets are never written into the log

    user.role = "reviewer"
    db.session.commit()
    role_change = entries(AuditAction.RECORD_CHANGED)[-1]
    assert (role_change.object_type, role_change.object_id, role_change.detail) == (
        "staff_user", user.username, {"changed": {"role": ["dispatcher", "reviewer"]}})

    department = db.session.query(Department).filter_by(code="370202-hjws").one()
    original_name = department.name
    department.name = "环境卫生服务中心"
    db.session.commit()
    try:
        assert entries(AuditAction.RECORD_CHANGED)[-1].object_id == "370202-hjws"
    finally:
        # Reference data outlives one test on PostgreSQL: later tests read the department's real name.
        department.name = original_name
        db.session.commit()


def test_failed_sign_in_counters_make_no_record_changed_entry(app, make_staff, client):
    user, _ = make_staff("agent")
    client.post("/api/v1/auth/staff-token", json={"username": user.username, "password": "bad-password-9"})
    assert not [e for e in entries(AuditAction.RECORD_CHANGED) if e.object_id == user.username]


def test_verify_finds_the_first_edited_deleted_or_appended_entry(app, make_staff, client):
    user, _ = make_staff("agent")
    for _ in range(4):
        client.post("/api/v1/auth/staff-token", json={"username": user.username, "password": PASSWORD})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    seqs = [e.seq for e in entries(AuditAction.SIGN_IN)]
    db.session.execute(text("UPDATE audit_entries SET address = '10.0.0.9' WHERE seq = :seq"), {"seq": seqs[1]})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"broken at entry {seqs[1]}" in result.output
    db.session.execute(text("UPDATE audit_entries SET address = '127.0.0.1' WHERE seq = :seq"), {"seq": seqs[1]})
    db.session.execute(text("DELETE FROM audit_entries WHERE seq = :seq"), {"seq": seqs[2]})
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and f"broken at entry {seqs[2]}" in result.output


def test_only_the_auditor_reads_and_exports_the_log_and_nothing_else(app, client, make_staff, signed_in):
    auditor, auditor_headers = make_staff("auditor")
    _, admin_headers = make_staff("admin")
    make_case()
    listing = client.get("/api/v1/audit?action=record.created&object_type=staff_user", headers=auditor_headers)
    assert listing.status_code == 200
    body = listing.get_json()
    assert body["total"] >= 2 and {i["object_type"] for i in body["items"]} == {"staff_user"}
    assert client.get("/api/v1/audit", headers=admin_headers).status_code == 403
    assert client.get("/api/v1/cases", headers=auditor_headers).status_code == 403
    assert client.get("/api/v1/audit?action=made.up", headers=auditor_headers).status_code == 422
    exported = client.get("/api/v1/audit/export.csv", headers=auditor_headers)
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][0] == "序号" and len(rows) > 2
    assert entries(AuditAction.EXPORT)[-1].actor_name == auditor.username

    page_client, _ = signed_in("auditor")
    page = page_client.get("/staff/audit?action=auth.sign_in")
    assert page.status_code == 200 and "审计日志" in page.get_data(as_text=True)
    assert page_client.get("/staff/cases").status_code == 403
    admin_client, _ = signed_in("admin")
    assert admin_client.get("/staff/audit").status_code == 403


def test_nobody_can_change_entries_through_the_api(client, make_staff):
    _, headers = make_staff("auditor")
    for method in ("put", "patch", "delete", "post"):
        assert getattr(client, method)("/api/v1/audit", headers=headers).status_code == 405


def test_pruning_keeps_six_months_at_least_and_the_chain_verifiable(app, make_staff, client, pinned_clock):
    from datetime import UTC, datetime, timedelta

    from service_api.audit.verify import prune, verify_chain

    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    pinned_clock(start)
    user, _ = make_staff("agent")
    client.post("/api/v1/auth/staff-token", json={"username": user.username, "password": PASSWORD})
    pinned_clock(start + timedelta(days=100))
    assert prune(30) == 0  # 30 days asked, 183 kept: nothing is old enough
    pinned_clock(start + timedelta(days=200))
    client.post("/api/v1/auth/staff-token", json={"username": user.username, "password": PASSWORD})
    assert prune(30) >= 2
    assert [e.action for e in entries()][-2:] == [str(AuditAction.SIGN_IN), str(AuditAction.AUDIT_PRUNED)]
    assert verify_chain().ok
    assert db.session.get(StaffUser, user.id) is not None


def test_component_edits_imports_and_bulk_deletions_are_logged(app, signed_in, tmp_path):
    from service_api.components.importer import import_components
    from service_api.components.models import Component
    from tests.components.conftest import LIGHT, code, row, write_csv

    path = write_csv(tmp_path / "lights.csv", [row(LIGHT, 1), row(LIGHT, 2, east_m=40)])
    assert import_components(path, report_path=tmp_path / "bad.csv", progress=False).applied
    [imported] = entries(AuditAction.RECORDS_IMPORTED)
    assert (imported.object_type, imported.object_id) == ("component", "lights.csv")
    assert (imported.detail["inserted"], imported.detail["deleted"], imported.detail["replace"]) == (2, 0, False)

    admin, user = signed_in("admin")
    page = f"/staff/components/{code(LIGHT, 2)}"
    assert admin.post_form(f"{page}/edit", {"status": "lost", "note": "灯头缺失"}, page=page).status_code == 302
    edit = [e for e in entries(AuditAction.RECORD_CHANGED) if e.object_type == "component"][-1]
    assert (edit.object_id, edit.actor_name, edit.actor_role) == (code(LIGHT, 2), user.username, "admin")
    assert edit.detail["changed"]["status"] == ["intact", "lost"]

    # A bulk delete skips the ORM's per-object events: it is logged as one statement with its row count.
    db.session.query(Component).filter(Component.code == code(LIGHT, 1)).delete()
    db.session.commit()
    [deleted] = entries(AuditAction.RECORD_DELETED)
    assert deleted.object_type == "component" and deleted.detail["rows"] == 1 and deleted.detail["bulk"]
    db.session.execute(update(StaffUser).where(StaffUser.id == user.id).values(role="reviewer"))
    db.session.commit()
    bulk_role = entries(AuditAction.RECORD_CHANGED)[-1]
    assert bulk_role.object_type == "staff_user" and bulk_role.detail["columns"] == ["role"]
    assert verify_chain().ok


def test_xlsx_exports_and_users_made_or_removed_by_command_are_logged(app, signed_in):
    reviewer, user = signed_in("reviewer")
    assert reviewer.get("/staff/stats/export.xlsx").status_code == 200
    [export] = entries(AuditAction.EXPORT)
    assert (export.actor_name, export.detail["format"]) == (user.username, "xlsx")

    runner = app.test_cli_runner()
    made = runner.invoke(args=["staff", "create-user", "auditor-li", "--role", "auditor", "--generate"])
    assert made.exit_code == 0, made.output
    created = [e for e in entries(AuditAction.RECORD_CREATED) if e.object_id == "auditor-li"][0]
    assert (created.actor_type, created.actor_name) == ("system", "cli")
    assert created.detail["values"]["role"] == "auditor"
    assert created.detail["values"]["password_hash"] == "（已更改）"  # the hash is never written into the log
    db.session.delete(db.session.query(StaffUser).filter_by(username="auditor-li").one())
    db.session.commit()
    assert entries(AuditAction.RECORD_DELETED)[-1].object_id == "auditor-li"


def test_the_audit_api_filters_by_actor_object_and_beijing_dates(app, client, make_staff, pinned_clock):
    from datetime import UTC, datetime

    auditor, headers = make_staff("auditor")
    agent, _ = make_staff("agent")
    pinned_clock(datetime(2026, 3, 1, 15, 30, tzinfo=UTC))  # 2026-03-01 23:30 in Beijing
    client.post("/api/v1/auth/staff-token", json={"username": agent.username, "password": PASSWORD})
    pinned_clock(datetime(2026, 3, 1, 16, 30, tzinfo=UTC))  # 2026-03-02 00:30 in Beijing
    client.post("/api/v1/auth/staff-token", json={"username": agent.username, "password": PASSWORD})
    client.post("/api/v1/auth/staff-token", json={"username": agent.username, "password": "wrong-password-1"})

    def listed(query: str) -> list[tuple[str, str]]:
        answer = client.get(f"/api/v1/audit?{query}", headers=headers)
        assert answer.status_code == 200, answer.get_json()
        return [(i["action"], i["at"][:10]) for i in answer.get_json()["items"]]

    mine = f"actor={agent.username}"
    assert listed(f"{mine}&date_from=2026-03-01&date_to=2026-03-01") == [("auth.sign_in", "2026-03-01")]
    # Newest first; `at` is UTC, the day filters are Beijing days.
    assert listed(f"{mine}&date_from=2026-03-02") == [("auth.sign_in_failed", "2026-03-01"),
                                                      ("auth.sign_in", "2026-03-01")]
    assert listed(f"object_id={agent.username}&action=auth.sign_in_failed") == [
        ("auth.sign_in_failed", "2026-03-01")]
    assert listed(f"actor={auditor.username}") == []
    bad = client.get("/api/v1/audit?date_from=yesterday", headers=headers)
    assert bad.status_code == 422 and "ISO 8601" in bad.get_json()["errors"]["date_from"][0]


def test_a_reversed_period_is_refused_like_the_stats_api(client, make_staff):
    _, headers = make_staff("auditor")
    for path in ("/api/v1/audit", "/api/v1/audit/export.csv"):
        bad = client.get(f"{path}?date_from=2026-12-05&date_to=2026-01-01", headers=headers)
        assert bad.status_code == 422 and bad.get_json()["code"] == "bad_period", path
        assert "开始日期不能晚于结束日期" in bad.get_json()["message"]
    assert client.get("/api/v1/audit?date_from=2026-01-01&date_to=2026-01-01", headers=headers).status_code == 200


def test_the_auditor_reads_details_in_words_not_python(app, client, make_staff, signed_in):
    """The auditor's page and CSV say "受理编号：R…", "途径：坐席控制台", not "reports: ['R…']", "via: console"."""
    case = make_case()
    filed = client.post("/api/v1/reports", json={"description": "香港中路12号门口垃圾桶满了，没人清理"})
    assert filed.status_code == 201 and filed.get_json()["status"] == "registered"  # received, then registered
    agent, _ = signed_in("agent")  # a console sign-in
    path = f"/staff/cases/{case.case_no}"
    assert agent.post_form(f"{path}/contact", {"reason": "callback"}, page=path).status_code == 200
    _, token_headers = make_staff("dispatcher")
    client.post("/api/v1/auth/staff-token", json={"username": "nobody", "password": "x"})
    auditor, _ = signed_in("auditor")

    def details(action: str) -> list[str]:
        page = auditor.get(f"/staff/audit?action={action}").get_data(as_text=True)
        return [cell.split("</td>")[0] for cell in page.split('<td class="small detail">')[1:]]

    [reveal] = details("contact.reveal")
    assert reveal == f"受理编号：{case.reports[0].tracking_no}"
    from service_api.hotline.callbacks import create_callback

    callback = create_callback(kind="chatbot_handoff", phone="+8613912345678", reason="居民要求人工回电",
                               case_id=case.id)
    db.session.commit()
    agent.post_form(f"/staff/callbacks/{callback.id}/contact", {"reason": "callback"},
                    page=f"/staff/callbacks/{callback.id}")
    assert f"类型：智能客服转人工<br>案件编号：{case.case_no}" in details("contact.reveal")
    assert "途径：坐席控制台" in details("auth.sign_in")
    changes = " ".join(details("case.change"))
    assert "环节：受理" in changes and "环节：立案" in changes and "原状态：已受理" in changes
    assert "新状态：已立案" in changes and "反映序号：" in changes
    created = " ".join(details("record.created"))
    assert "角色 热线坐席" in created and "密码 （已更改）" in created
    page = auditor.get("/staff/audit").get_data(as_text=True)
    for python in ("['", "{'", "via:", "reports:", ": None", "True", "False"):
        assert python not in page.split('id="audit-table"')[1], python
    _, auditor_headers = make_staff("auditor")
    exported = client.get("/api/v1/audit/export.csv?action=contact.reveal", headers=auditor_headers)
    rows = list(csv.reader(io.StringIO(exported.get_data(as_text=True).lstrip("\ufeff"))))
    assert {row[9] for row in rows[1:]} == {f"受理编号：{case.reports[0].tracking_no}",
                                           f"类型：智能客服转人工；案件编号：{case.case_no}"}
