"""Residents' personal data: reveals with a reason and a limit, retention by age, residents' export and erasure."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service_api.audit.actions import AuditAction
from service_api.auth.tokens import issue_citizen_token
from service_api.extensions import db
from service_api.models import Case, Citizen, Notification, Rating, Report
from service_api.stats import figures as stats
from tests.privacy.conftest import RESIDENT_PHONE, make_case
from tests.privacy.test_audit import entries

NOW = datetime(2029, 6, 1, 2, 0, tzinfo=UTC)


def test_case_pages_keep_phones_masked_and_a_reveal_shows_them_with_a_logged_reason(signed_in):
    case = make_case()
    agent, user = signed_in("agent")
    page = agent.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page and 'id="reveal-form"' in page
    path = f"/staff/cases/{case.case_no}"
    refused = agent.post_form(f"{path}/contact", {"reason": "other", "reason_text": "看"}, page=path)
    # 其他 without a reason: the case page again, the error beside the reveal form, the choice and text kept
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"{path}#reveal-form")
    again = agent.get(path).get_data(as_text=True)
    form = again.split('id="reveal-form"')[1].split("</form>")[0]
    assert 'id="reveal-error"' in form and "请选择查看原因" in form
    assert '<option value="other" selected>' in form and 'value="看"' in form
    assert "请选择查看原因" not in again.split('id="reveal-form"')[0]  # not repeated at the top of the page
    assert "139****5678" in again and entries(AuditAction.CONTACT_REVEAL) == []
    assert 'id="reveal-error"' not in agent.get(path).get_data(as_text=True)  # said once
    shown = agent.post_form(f"{path}/contact", {"reason": "callback"}, page=path)
    html = shown.get_data(as_text=True)
    # the number as one dials it here, and a tel: link
    assert shown.status_code == 200 and '<a href="tel:+8613912345678">139 1234 5678</a>' in html
    assert shown.headers["Cache-Control"] == "no-store"
    [reveal] = entries(AuditAction.CONTACT_REVEAL)
    assert (reveal.actor_name, reveal.object_id, reveal.reason) == (user.username, case.case_no, "回电联系反映人")


def test_reveal_api_needs_a_role_that_contacts_residents_and_is_limited_per_hour(app, client, make_staff,
                                                                                  pinned_clock):
    pinned_clock(NOW)
    app.extensions["settings"].contact_reveal_per_hour = 2
    case = make_case()
    _, handler = make_staff("handler")
    _, reviewer = make_staff("reviewer")
    url = f"/api/v1/cases/{case.case_no}/contact/reveal"
    assert client.post(url, json={"reason": "site_visit"}, headers=reviewer).status_code == 403
    assert client.post(url, json={}, headers=handler).status_code == 422
    for _ in range(2):
        answer = client.post(url, json={"reason": "上门核实井盖位置"}, headers=handler)
        assert answer.status_code == 200
        assert answer.get_json()["contacts"][0] == {"tracking_no": case.reports[0].tracking_no,
                                                     "channel": "miniprogram", "phone": RESIDENT_PHONE,
                                                     "name": "张小明"}
    limited = client.post(url, json={"reason": "site_visit"}, headers=handler)
    assert limited.status_code == 429 and limited.get_json()["code"] == "reveal_limit"
    pinned_clock(NOW + timedelta(minutes=61))
    assert client.post(url, json={"reason": "site_visit"}, headers=handler).status_code == 200
    assert len(entries(AuditAction.CONTACT_REVEAL)) == 3


def _closed_case(days_ago: int) -> Case:
    closed = NOW - timedelta(days=days_ago)
    case = make_case(status="closed", created_at=closed - timedelta(days=3), registered_at=closed - timedelta(days=3),
                     dispatched_at=closed - timedelta(days=2), resolved_at=closed - timedelta(days=1),
                     closed_at=closed)
    report = case.reports[0]
    db.session.add(Rating(case_id=case.id, report_id=report.id, rating="unsatisfied", channel="sms",
                          comment="还是很脏，打我电话 13912345678"))
    db.session.add(Notification(kind="closed", channel="sms", recipient=RESIDENT_PHONE, report_id=report.id,
                                case_id=case.id, status="sent"))
    db.session.commit()
    return case


def test_anonymising_by_age_removes_personal_data_and_leaves_statistics_equal(app, pinned_clock):
    pinned_clock(NOW)
    old, recent = _closed_case(800), _closed_case(100)
    period = stats.Period((NOW - timedelta(days=900)).date(), NOW.date())
    before = stats.compute(period, "department")
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["privacy", "anonymize", "--older-than", "730", "--dry-run"])
    assert "would change" in dry.output and "reports 1" in dry.output, dry.output
    db.session.expire_all()
    assert old.reports[0].contact_phone == RESIDENT_PHONE  # a dry run changes nothing
    done = runner.invoke(args=["privacy", "anonymize", "--older-than", "730"])
    assert "changed" in done.output and "reports 1" in done.output and "ratings 1" in done.output, done.output
    db.session.expire_all()
    scrubbed = old.reports[0]
    assert (scrubbed.contact_phone, scrubbed.contact_name, scrubbed.raw_lat) == (None, None, None)
    assert "13912345678" not in scrubbed.description and scrubbed.lat == 36.06
    assert "13912345678" not in db.session.query(Rating).filter_by(case_id=old.id).one().comment
    assert db.session.query(Notification).filter_by(case_id=old.id).one().recipient is None
    assert recent.reports[0].contact_phone == RESIDENT_PHONE
    after = stats.compute(period, "department")
    assert sum(r.cases for r in before.rows) == 2 and sum(r.rated for r in before.rows) == 2
    assert [(r.label, r.cases, r.rated, r.satisfaction_rate) for r in after.rows] == [
        (r.label, r.cases, r.rated, r.satisfaction_rate) for r in before.rows]
    again = runner.invoke(args=["privacy", "anonymize", "--older-than", "730"])
    assert "nothing" in again.output
    assert entries(AuditAction.ANONYMISED)[-1].detail["reports"] == 1


def test_the_retention_beat_job_uses_the_configured_days(app, pinned_clock):
    from notifications.celery_app import use_flask_app
    from service_api.jobs import apply_retention

    pinned_clock(NOW)
    use_flask_app(app)
    _closed_case(400)
    app.extensions["settings"].personal_data_retention_days = 500
    assert apply_retention.run() == 0
    app.extensions["settings"].personal_data_retention_days = 365
    assert apply_retention.run() == 1


def _resident() -> tuple[Citizen, dict[str, str]]:
    citizen = Citizen(phone=RESIDENT_PHONE, wechat_openid="o-resident-1", name="张小明", preferred_channel="sms")
    db.session.add(citizen)
    db.session.commit()
    return citizen, {"Authorization": f"Bearer {issue_citizen_token(citizen.id)}"}


def test_a_resident_downloads_their_data_as_json(client):
    citizen, headers = _resident()
    case = make_case()
    case.reports[0].citizen_id = citizen.id
    db.session.commit()
    answer = client.get("/api/v1/me/export", headers=headers)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    data = answer.get_json()
    assert data["account"]["phone"] == RESIDENT_PHONE and data["contact_preferences"]["preferred_channel"] == "sms"
    assert [r["tracking_no"] for r in data["reports"]] == [case.reports[0].tracking_no]
    assert data["reports"][0]["contact_phone"] == RESIDENT_PHONE
    assert client.get("/api/v1/me/export").status_code == 401
    assert entries(AuditAction.RESIDENT_EXPORT)[-1].object_id == str(citizen.id)


def test_deleting_an_account_keeps_the_reports_as_anonymous_ones(client):
    citizen, headers = _resident()
    case = make_case()
    report_id = case.reports[0].id
    case.reports[0].citizen_id = citizen.id
    db.session.commit()
    assert client.delete("/api/v1/me", headers=headers).status_code == 204
    db.session.expire_all()
    assert db.session.get(Citizen, citizen.id) is None
    report = db.session.get(Report, report_id)
    assert (report.citizen_id, report.contact_phone, report.contact_name, report.case_id) == (None, None, None,
                                                                                            case.id)
    assert db.session.get(Case, case.id).status == "registered"
    assert client.get("/api/v1/me/export", headers=headers).status_code == 401
    assert entries(AuditAction.RESIDENT_DELETED)[-1].object_id == str(citizen.id)


def test_an_agent_reveals_a_callbacks_number_with_a_logged_reason_before_calling(signed_in):
    from service_api.hotline.callbacks import create_callback
    from service_api.models.hotline import CHATBOT_HANDOFF

    case = make_case()
    callback = create_callback(kind=CHATBOT_HANDOFF, phone=RESIDENT_PHONE, reason="居民要求人工回电",
                               case_id=case.id)
    db.session.commit()
    agent, user = signed_in("agent")
    path = f"/staff/callbacks/{callback.id}"
    page = agent.get(path).get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page and 'id="reveal-form"' in page
    before = agent.get(f"/staff/calls/new?callback={callback.id}").get_data(as_text=True)
    assert RESIDENT_PHONE not in before  # the call form carries the number only after a reveal
    refused = agent.post_form(f"{path}/contact", {"reason": "other", "reason_text": ""}, page=path)
    assert refused.status_code == 302 and refused.headers["Location"].endswith(f"{path}#reveal-form")
    form = agent.get(path).get_data(as_text=True).split('id="reveal-form"')[1].split("</form>")[0]
    assert "请选择查看原因" in form and '<option value="other" selected>' in form
    shown = agent.post_form(f"{path}/contact", {"reason": "callback"}, page=path)
    assert shown.status_code == 200 and '<a href="tel:+8613912345678">139 1234 5678</a>' in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    [reveal] = entries(AuditAction.CONTACT_REVEAL)
    assert (reveal.actor_name, reveal.object_type, reveal.object_id, reveal.reason) == (
        user.username, "callback", str(callback.id), "回电联系反映人")
    assert reveal.detail["case_no"] == case.case_no
    after = agent.get(f"/staff/calls/new?callback={callback.id}").get_data(as_text=True)
    assert f'value="{RESIDENT_PHONE}"' in after
    other_agent, _ = signed_in("agent")  # someone else's reveal opens nothing for them
    assert RESIDENT_PHONE not in other_agent.get(f"/staff/calls/new?callback={callback.id}").get_data(as_text=True)
    reviewer, _ = signed_in("reviewer")
    assert reviewer.post_form(f"{path}/contact", {"reason": "callback"}, page="/staff/stats").status_code == 403


def test_the_number_of_a_call_being_registered_is_logged_but_not_limited(app, signed_in):
    from service_api.models import HotlineCall

    app.extensions["settings"].contact_reveal_per_hour = 1
    call = HotlineCall(caller_phone=RESIDENT_PHONE, status="open", data={"direction": "inbound"})
    db.session.add(call)
    db.session.commit()
    case = make_case()
    agent, user = signed_in("agent")
    for _ in range(2):  # the agent opens the call's form twice: both logged, neither counted
        form = agent.get(f"/staff/calls/new?call={call.id}").get_data(as_text=True)
        assert f'value="{RESIDENT_PHONE}"' in form
    caller_ids = entries(AuditAction.CONTACT_REVEAL)
    assert [(e.object_type, e.object_id, e.actor_name) for e in caller_ids] == [
        ("hotline_call", str(call.id), user.username)] * 2
    path = f"/staff/cases/{case.case_no}"
    assert agent.post_form(f"{path}/contact", {"reason": "callback"}, page=path).status_code == 200
    limited = agent.post_form(f"{path}/contact", {"reason": "callback"}, page=path, follow_redirects=True)
    form = limited.get_data(as_text=True).split('id="reveal-form"')[1].split("</form>")[0]
    assert "每小时最多查看 1 次" in form and "139****5678" in limited.get_data(as_text=True)
