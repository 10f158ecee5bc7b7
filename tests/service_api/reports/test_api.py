"""POST/GET /api/v1/reports: a resident reports a problem and follows it up."""

from __future__ import annotations

from datetime import timedelta

import pytest

from service_api.extensions import db
from service_api.models import Case, Notification, Report
from tests.service_api.images import jpeg_bytes, upload

# 五四广场, 市南区, in WGS-84.
MAY_FOURTH_SQUARE = {"lat": 36.0620, "lng": 120.3845, "crs": "wgs84"}


def post_report(client, body, headers=None):
    return client.post("/api/v1/reports", json=body, headers=headers or {})


def test_report_is_persisted_classified_and_becomes_a_case(client):
    response = post_report(client, {
        "description": "五四广场东边的垃圾桶满了，垃圾溢出来一地，好几天没人清理",
        "location": MAY_FOURTH_SQUARE, "contact": {"phone": "13812341234", "name": "王先生"},
    })
    assert response.status_code == 201, response.json
    body = response.json
    assert body["tracking_no"].startswith("R") and body["access_token"].startswith("rpt_")
    assert body["case_no"] and body["case_no"].startswith("C370202-")
    assert body["matter"]["code"] == "06042"  # 垃圾站(箱)满溢
    report = db.session.get(Report, body["id"])
    assert report.intake_status == "done" and report.street_code and report.grid_code
    assert report.channel == "miniprogram"
    case = db.session.query(Case).filter_by(case_no=body["case_no"]).one()
    assert case.status == "registered" and case.department_id is not None
    kinds = {n.kind for n in db.session.query(Notification).filter_by(report_id=report.id)}
    assert "received" in kinds and "registered" in kinds


def test_resident_reads_own_report_with_access_token_only(client):
    created = post_report(client, {"description": "香港中路12号门口井盖丢了，很危险", "address": "香港中路12号"}).json
    token = {"Authorization": f"Bearer {created['access_token']}"}
    own = client.get(f"/api/v1/reports/{created['tracking_no']}", headers=token)
    assert own.status_code == 200
    assert own.json["timeline"][0]["text"].startswith("提交成功")
    assert client.get(f"/api/v1/reports/{created['id']}").status_code == 401
    other = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "山东路"}).json
    assert client.get(f"/api/v1/reports/{other['id']}", headers=token).status_code == 404


def test_idempotency_key_replay_returns_the_same_report(client):
    body = {"description": "南京路上有人占道摆摊卖水果", "address": "南京路"}
    headers = {"Idempotency-Key": "abc-123"}
    first = post_report(client, body, headers)
    second = post_report(client, body, headers)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json["id"] == second.json["id"]
    assert db.session.query(Report).count() == 1


def test_concurrent_replays_of_one_idempotency_key_store_one_report(app, monkeypatch):
    """A mini-program retrying on a flaky network: both submissions pass the replay check before either has
    committed (forced here), both insert, the unique key refuses the second, which then answers with the first."""
    import threading

    from service_api.reports import accept as reports_service

    barrier, results, checked = threading.Barrier(2), [], threading.local()
    original = reports_service.find_replay

    def racing_find_replay(*args, **kwargs):
        if not getattr(checked, "once", False):
            checked.once = True
            barrier.wait()
            return None  # neither has committed yet
        return original(*args, **kwargs)

    monkeypatch.setattr(reports_service, "find_replay", racing_find_replay)

    def submit() -> None:
        with app.app_context():
            response = app.test_client().post("/api/v1/reports", json={"description": "井盖丢了，很危险"},
                                              headers={"Idempotency-Key": "retry-42"})
            results.append((response.status_code, response.get_json()["id"]))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(status for status, _ in results) == [200, 201]
    assert len({report_id for _, report_id in results}) == 1
    assert db.session.query(Report).count() == 1


def test_location_falls_back_to_photo_gps(client):
    photo = upload(client, jpeg_bytes(gps=(36.0620, 120.3845))).json
    created = post_report(client, {"description": "这里有一堆建筑垃圾没人管", "photo_ids": [photo["id"]]}).json
    report = db.session.get(Report, created["id"])
    assert report.location_source == "photo" and abs(report.lat - 36.0620) < 1e-6
    assert report.district_code == "370202"
    assert created["photos"][0]["id"] == photo["id"]


def test_gcj02_location_is_normalised(client):
    gcj = {"lat": 36.0597, "lng": 120.3898, "crs": "gcj02"}
    created = post_report(client, {"description": "路边违章停车堵住了消防通道", "location": gcj}).json
    report = db.session.get(Report, created["id"])
    assert (report.raw_lat, report.raw_lng, report.raw_crs) == (36.0597, 120.3898, "gcj02")
    # GCJ-02 is offset a few hundred metres from WGS-84 in Qingdao.
    assert 0.001 < abs(report.lng - 120.3898) < 0.01


def test_duplicate_report_joins_the_open_case(client):
    text = "五四广场旁边垃圾箱满溢，臭味很大"
    first = post_report(client, {"description": text, "location": MAY_FOURTH_SQUARE}).json
    nearby = dict(MAY_FOURTH_SQUARE, lat=MAY_FOURTH_SQUARE["lat"] + 0.0001)  # about 11 m north
    second = post_report(client, {"description": "五四广场这里的垃圾桶满了溢出来了", "location": nearby}).json
    assert second["case_no"] == first["case_no"]
    case = db.session.query(Case).filter_by(case_no=first["case_no"]).one()
    assert case.report_count == 2
    assert db.session.get(Report, second["id"]).is_duplicate


def test_out_of_scope_report_waits_for_triage(client):
    created = post_report(client, {"description": "我的社保卡补办要去哪里办理？单位拖欠工资怎么办"}).json
    case = db.session.query(Case).filter_by(case_no=created["case_no"]).one()
    assert case.triage and case.status == "received" and case.matter_code is None


def test_intake_failure_leaves_report_queued_not_lost(client, app, monkeypatch):
    from service_api.cases import intake_runtime

    def broken():
        raise RuntimeError("model file unreadable")

    monkeypatch.setattr(intake_runtime, "classifier", broken)
    response = post_report(client, {"description": "井盖松动了，车一过就响", "address": "香港中路"})
    assert response.status_code == 201
    report = db.session.get(Report, response.json["id"])
    assert report.intake_status == "pending" and "model file unreadable" in report.intake_error
    assert response.json["case_no"] is None
    monkeypatch.undo()
    from service_api.cases.intake_pipeline import process_pending

    report.created_at = report.created_at - timedelta(minutes=1)  # the worker leaves fresh reports alone
    db.session.commit()
    assert process_pending() == 1
    assert db.session.get(Report, report.id).case_id is not None


@pytest.mark.parametrize("body, field", [
    ({"description": ""}, "description"),
    ({"description": "x" * 10000}, "description"),
    ({"description": "垃圾", "location": {"lat": 95, "lng": 120}}, "location"),
    ({"description": "垃圾", "location": {"lat": 36, "lng": 120, "crs": "mars"}}, "location"),
    ({"description": "垃圾", "photo_ids": [str(i) for i in range(10)]}, "photo_ids"),
    ({"description": "垃圾", "contact": {"phone": "call me"}}, "contact"),
])
def test_bad_input_is_a_clear_4xx_and_nothing_is_written(client, body, field):
    response = post_report(client, body)
    assert response.status_code == 422
    assert field in response.json["errors"] and response.json["message"]
    assert db.session.query(Report).count() == 0


def test_a_blank_description_is_refused_even_with_a_photo(client):
    photo = upload(client, jpeg_bytes(64, 48)).json["id"]
    for body in ({"description": "   \n\t "}, {"description": "\u3000 ", "photo_ids": [photo]}):
        response = post_report(client, body)
        assert response.status_code == 422
        assert "不能只有空格" in response.json["errors"]["description"][0]
        assert "描述" in response.json["message"] or "description" in response.json["message"]
    assert db.session.query(Report).count() == 0
    assert post_report(client, {"description": "灯不亮", "photo_ids": [photo]}).status_code == 201


def test_every_surface_allows_the_same_longest_description(client, app):
    from service_api.reports.accept import DESCRIPTION_MAX

    assert post_report(client, {"description": "井" * DESCRIPTION_MAX}).status_code == 201
    too_long = post_report(client, {"description": "井" * (DESCRIPTION_MAX + 1)})
    assert too_long.status_code == 422 and str(DESCRIPTION_MAX) in too_long.json["errors"]["description"][0]
    # the web app's form counts against the same length (it warns instead of cutting a pasted letter)
    assert f'data-max="{DESCRIPTION_MAX}"' in client.get("/m/").get_data(as_text=True)
    preview = client.post("/api/v1/intake/preview", json={"text": "井" * (DESCRIPTION_MAX + 1)})
    assert preview.status_code == 422


def test_a_body_that_is_not_json_is_told_so(client):
    for body, content_type in (('{"description": "垃圾箱满了"}', "text/plain"),
                               ("description=垃圾箱满了", "application/x-www-form-urlencoded")):
        response = client.post("/api/v1/reports", data=body, content_type=content_type)
        assert response.status_code == 415
        assert "JSON" in response.json["message"] and "必填" not in response.json["message"]
    assert db.session.query(Report).count() == 0


def test_unknown_and_foreign_photo_ids_are_refused(client, app):
    response = post_report(client, {"description": "垃圾", "photo_ids": ["nope"]})
    assert response.status_code == 422 and response.json["code"] == "unknown_photo"
    from service_api.auth.tokens import issue_citizen_token
    from service_api.models import Citizen

    alice, bob = Citizen(phone="13800000001"), Citizen(phone="13800000002")
    db.session.add_all([alice, bob])
    db.session.commit()
    alice_headers = {"Authorization": f"Bearer {issue_citizen_token(alice.id)}"}
    bob_headers = {"Authorization": f"Bearer {issue_citizen_token(bob.id)}"}
    photo = upload(client, jpeg_bytes(), alice_headers).json
    stolen = post_report(client, {"description": "垃圾", "photo_ids": [photo["id"]]}, bob_headers)
    assert stolen.status_code == 403
    assert client.get(f"/api/v1/photos/{photo['id']}", headers=bob_headers).status_code == 404
    assert client.get(f"/api/v1/photos/{photo['id']}", headers=alice_headers).status_code == 200
    assert db.session.query(Report).count() == 0


def test_bad_token_is_401(client):
    response = client.get("/api/v1/me/reports", headers={"Authorization": "Bearer c.garbage"})
    assert response.status_code == 401 and response.json["code"] == "bad_token"


def test_residents_cannot_claim_privileged_channels(client):
    response = post_report(client, {"description": "垃圾满了", "channel": "hotline"})
    assert response.status_code == 403


def test_my_reports_newest_first(client, app):
    from service_api.auth.tokens import issue_citizen_token
    from service_api.models import Citizen

    citizen = Citizen(wechat_openid="openid-1")
    db.session.add(citizen)
    db.session.commit()
    headers = {"Authorization": f"Bearer {issue_citizen_token(citizen.id)}"}
    for text in ("第一条：路灯坏了", "第二条：垃圾满了", "第三条：井盖丢了"):
        assert post_report(client, {"description": text}, headers).status_code == 201
    post_report(client, {"description": "别人的反映"})
    page = client.get("/api/v1/me/reports?page_size=2", headers=headers).json
    assert page["total"] == 3
    assert [i["description"] for i in page["items"]] == ["第三条：井盖丢了", "第二条：垃圾满了"]


def test_below_the_confidence_threshold_goes_to_manual_triage(client, app):
    app.extensions["settings"].auto_register_threshold = 1.01  # nothing is confident enough
    text = "五四广场东边的垃圾桶满了，垃圾溢出来一地"
    created = post_report(client, {"description": text, "location": MAY_FOURTH_SQUARE}).json
    case = db.session.query(Case).filter_by(case_no=created["case_no"]).one()
    assert case.status == "received" and case.triage and case.matter_code == "06042"


def test_photos_stay_in_the_order_the_resident_gave(client):
    """An anonymous report is committed in one statement on PostgreSQL; its photo links come with it, in order."""
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200)]
    photo_ids = [upload(client, jpeg_bytes(color=colour)).json["id"] for colour in colours]
    given = [photo_ids[2], photo_ids[0], photo_ids[1]]
    created = post_report(client, {"description": "人行道砖破损了好几块", "address": "香港中路", "photo_ids": given})
    assert created.status_code == 201, created.json
    assert [p["id"] for p in created.json["photos"]] == given
    token = {"Authorization": f"Bearer {created.json['access_token']}"}
    assert [p["id"] for p in client.get(f"/api/v1/reports/{created.json['id']}", headers=token).json["photos"]] == given


def test_writes_the_caller_made_are_committed_with_the_report(app):
    """A channel that wrote something before handing the report over gets both committed together."""
    from service_api.auth.principal import ANONYMOUS
    from service_api.models import Citizen
    from service_api.reports.accept import ReportInput, accept_report

    with app.test_request_context():
        db.session.add(Citizen(phone="13900001111"))
        db.session.flush()
        accepted = accept_report(ReportInput(description="路灯不亮了，晚上很黑", channel="miniprogram"), ANONYMOUS)
        db.session.rollback()  # nothing left to roll back: the report's commit took the citizen along
        assert db.session.query(Citizen).filter_by(phone="13900001111").count() == 1
        assert db.session.get(Report, accepted.report.id) is not None


def test_an_anonymous_report_tells_nobody_and_a_phone_gets_a_receipt(client):
    anonymous = post_report(client, {"description": "路边有个井盖丢了", "address": "山东路"}).json
    assert db.session.query(Notification).filter_by(report_id=anonymous["id"]).count() == 0
    with_phone = post_report(client, {"description": "路边有个井盖丢了", "address": "山东路",
                                      "contact": {"phone": "13812341234"}}).json
    receipts = db.session.query(Notification).filter_by(report_id=with_phone["id"], kind="received").all()
    assert [(n.channel, n.recipient) for n in receipts] == [("sms", "+8613812341234")]  # E.164, as Twilio wants it


def test_a_database_too_busy_for_the_report_is_a_503_and_the_next_report_is_stored(app, client):
    """The one-statement commit of an anonymous report (PostgreSQL): a statement the server cancels answers
    503, stores nothing, and leaves the pooled connection usable."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the one-statement commit is PostgreSQL's")
    from sqlalchemy import event, text

    def short_timeout(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 300")
        dbapi_connection.commit()

    db.session.remove()
    db.engine.dispose()
    event.listen(db.engine, "connect", short_timeout)
    locker = db.engine.connect()
    try:
        locker.execute(text("LOCK TABLE reports IN EXCLUSIVE MODE"))
        busy = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "山东路"})
        assert busy.status_code == 503, busy.json
        assert busy.json["code"] == "unavailable"
    finally:
        locker.rollback()
        locker.close()
    stored = post_report(client, {"description": "路灯不亮了，晚上很黑", "address": "山东路"})
    assert stored.status_code == 201, stored.json
    assert [r.id for r in db.session.query(Report)] == [stored.json["id"]]
    event.remove(db.engine, "connect", short_timeout)
