"""The custom actions, run with rasa-sdk's Tracker/CollectingDispatcher against a local fake of the API."""
from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.handoff import ActionHandleFallback, ActionRequestCallback
from actions.rating import ActionRateService
from actions.report_form import ActionAskContactPhone, ActionAskReportConfirmed, ActionSubmitReport, ValidateReportForm
from actions.status import ActionCheckStatus
from fake_service_api import OPEN_CASE, FakeServiceApiServer

DOMAIN: Dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[1] / "domain.yml").read_text("utf-8"))
CITIZEN = "citizen:7"
ANON = "anon:0b9c6a52-5b0e-4a51-9a57-0f4a1d2e3c4b"


@pytest.fixture()
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeServiceApiServer]:
    with FakeServiceApiServer(api_key="test-service-key") as server:
        monkeypatch.setenv("SERVICE_API_URL", server.url)
        monkeypatch.setenv("SERVICE_API_KEY", "test-service-key")
        monkeypatch.delenv("SERVICE_API_MODE", raising=False)
        yield server


def tracker(text: str = "", intent: str = "inform", slots: Optional[Dict[str, Any]] = None,
            new_slots: Optional[Dict[str, Any]] = None, entities: Optional[List[Dict[str, Any]]] = None,
            metadata: Optional[Dict[str, Any]] = None, sender: str = CITIZEN,
            history: Optional[List[Dict[str, Any]]] = None) -> Tracker:
    """A tracker whose latest user turn is `text`; `new_slots` are set after it (what a form validates)."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
              "metadata": metadata or {}}
    events = list(history or []) + [{"event": "user", "text": text, "parse_data": latest, "timestamp": time.time(),
                                     "metadata": metadata or {}}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in (new_slots or {}).items()]
    all_slots = {name: None for name in DOMAIN["slots"]}
    all_slots.update(slots or {})
    all_slots.update(new_slots or {})
    return Tracker(sender, all_slots, latest, events, False, None, {"name": "report_form"}, "action_listen")


def run(action: Any, trk: Tracker) -> tuple[CollectingDispatcher, Dict[str, Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, trk, DOMAIN))
    return dispatcher, {e["name"]: e["value"] for e in events if e.get("event") == "slot"} | {
        "_events": events}


def texts(dispatcher: CollectingDispatcher) -> str:
    return "\n".join(m.get("text") or m.get("response") or "" for m in dispatcher.messages)


def test_every_call_carries_service_key_and_resident(api: FakeServiceApiServer) -> None:
    run(ValidateReportForm(), tracker("香港中路12号有暴露垃圾", "report_problem",
                                      slots={"requested_slot": "problem_description"},
                                      new_slots={"problem_description": "香港中路12号有暴露垃圾"}))
    call = api.calls("POST", "/api/v1/intake/preview")[0]
    assert call["headers"]["Authorization"] == "Bearer test-service-key"
    assert call["headers"]["X-Resident"] == CITIZEN
    assert call["json"]["text"] == "香港中路12号有暴露垃圾"


def test_clear_description_is_classified(api: FakeServiceApiServer) -> None:
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "小区门口垃圾堆了好几天", "report_problem", slots={"requested_slot": "problem_description"},
        new_slots={"problem_description": "小区门口垃圾堆了好几天"}))
    assert slots["problem_description"] == "小区门口垃圾堆了好几天"
    assert slots["matter_name"] == "暴露垃圾"
    assert slots["requested_slot"] == "problem_location"
    assert dispatcher.messages == []


def test_vague_description_is_asked_again(api: FakeServiceApiServer) -> None:
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "那个东西坏了", "report_problem", slots={"requested_slot": "problem_description"},
        new_slots={"problem_description": "那个东西坏了"}))
    assert slots["problem_description"] is None
    assert slots["requested_slot"] == "problem_description"
    assert "具体描述" in texts(dispatcher)


def test_a_private_matter_is_taken_down_not_asked_again(api: FakeServiceApiServer) -> None:
    """The preview gives tap water no city matter (the water company's): still filed, its referral said then."""
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "家里自来水发黄", "report_problem", slots={"requested_slot": "problem_description"},
        new_slots={"problem_description": "家里自来水发黄"}))
    assert slots["problem_description"] == "家里自来水发黄" and slots["matter_code"] is None
    assert slots["matter_name"] == "自来水供水问题（供水企业）"
    assert "具体描述" not in texts(dispatcher)


def test_bare_opener_is_not_an_error(api: FakeServiceApiServer) -> None:
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "我要反映问题", "report_problem", new_slots={"problem_description": "我要反映问题"}))
    assert slots["problem_description"] is None and slots["requested_slot"] == "problem_description"
    assert dispatcher.messages == []


def test_unknown_place_is_asked_again(api: FakeServiceApiServer) -> None:
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "火星路999号", slots={"requested_slot": "problem_location", "problem_description": "垃圾没人清",
                              "matter_code": "06010", "matter_name": "暴露垃圾"},
        new_slots={"problem_location": "火星路999号"}))
    assert slots["problem_location"] is None
    assert "没有找到“火星路999号”" in texts(dispatcher)
    assert api.calls("POST", "/api/v1/intake/preview")[0]["json"]["address"] == "火星路999号"


def test_a_road_only_place_is_asked_once_for_something_closer(api: FakeServiceApiServer) -> None:
    form = {"requested_slot": "problem_location", "problem_description": "路灯不亮了"}
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "香港中路西段", slots=form, new_slots={"problem_location": "香港中路西段"}))
    assert slots["problem_location"] is None and slots["location_label"] == "香港中路西段"
    assert "门牌号" in texts(dispatcher)
    # The resident knows no better: the same road again is taken as it is.
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "就是香港中路西段", slots=dict(form, location_label="香港中路西段"),
        new_slots={"problem_location": "香港中路西段"}))
    assert slots["problem_location"] == "香港中路西段" and "门牌号" not in texts(dispatcher)


def test_nearby_open_case_of_the_same_matter_is_offered(api: FakeServiceApiServer) -> None:
    _, slots = run(ValidateReportForm(), tracker(
        "在香港中路12号", slots={"requested_slot": "problem_location", "problem_description": "垃圾没人清",
                              "matter_code": "06010", "matter_name": "暴露垃圾"},
        new_slots={"problem_location": "香港中路12号"}))
    assert slots["problem_location"] == "香港中路12号"
    assert slots["location_label"] == "香港中路12号附近"
    # the closer 路灯 case is a different matter and must not be offered
    assert slots["nearby_case_no"] == OPEN_CASE
    assert "距离约80米" in slots["nearby_case_info"]


@pytest.mark.parametrize("status,offered", [("verified", True), ("resolved", True), ("closed", False),
                                            ("rejected", False)])
def test_a_nearby_case_is_offered_while_the_api_counts_it_open(api: FakeServiceApiServer, status: str,
                                                                offered: bool) -> None:
    # 核查通过 (verified) still waits for 结案: the API merges new reports into it, so the bot offers it too.
    api.nearby_status = status
    _, slots = run(ValidateReportForm(), tracker(
        "在香港中路12号", slots={"requested_slot": "problem_location", "problem_description": "垃圾没人清",
                              "matter_code": "06010", "matter_name": "暴露垃圾"},
        new_slots={"problem_location": "香港中路12号"}))
    assert slots["problem_location"] == "香港中路12号"
    assert (slots.get("nearby_case_no") == OPEN_CASE) is offered


def test_confirmation_reads_back_matter_and_place(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionAskReportConfirmed(), tracker(
        "不用", "deny", slots={"matter_name": "暴露垃圾", "location_label": "香港中路12号附近",
                              "problem_location": "香港中路12号", "contact_phone": "none"}))
    assert dispatcher.messages[0]["text"] == "您反映的是【暴露垃圾】问题，位置在【香港中路12号附近】，对吗？"
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["/affirm", "/deny"]


def test_deny_at_confirmation_asks_what_to_change(api: FakeServiceApiServer) -> None:
    filled = {"requested_slot": "report_confirmed", "problem_description": "垃圾没人清", "matter_name": "暴露垃圾",
              "problem_location": "山东路", "contact_phone": "none"}
    _, slots = run(ValidateReportForm(), tracker("不对", "deny", slots=filled, new_slots={"report_confirmed": False}))
    assert slots["report_confirmed"] is None and slots["awaiting_correction"] is True
    asking = tracker("不对", "deny", slots=filled | {"awaiting_correction": True})
    dispatcher, _ = run(ActionAskReportConfirmed(), asking)
    assert "需要修改" in texts(dispatcher)


def test_confirmation_needs_a_recognisable_yes(api: FakeServiceApiServer) -> None:
    filled = {"requested_slot": "report_confirmed", "problem_description": "垃圾没人清", "matter_name": "暴露垃圾",
              "problem_location": "山东路", "contact_phone": "none"}
    dispatcher, slots = run(ValidateReportForm(), tracker("zzzzzz", "affirm", slots=filled,
                                                          new_slots={"report_confirmed": True}))
    assert slots["report_confirmed"] is None and "确认提交" in texts(dispatcher)
    for yes in ("对", "/affirm", "确认提交"):
        _, slots = run(ValidateReportForm(), tracker(yes, "affirm", slots=filled, new_slots={"report_confirmed": True}))
        assert slots["report_confirmed"] is True and slots["requested_slot"] is None


def test_corrected_place_resets_the_confirmation(api: FakeServiceApiServer) -> None:
    filled = {"requested_slot": "report_confirmed", "problem_description": "垃圾没人清", "matter_code": "06010",
              "matter_name": "暴露垃圾", "problem_location": "山东路", "contact_phone": "none",
              "awaiting_correction": True}
    _, slots = run(ValidateReportForm(), tracker("地点是南京路100号", slots=filled,
                                                 new_slots={"problem_location": "南京路100号"}))
    assert slots["problem_location"] == "南京路100号" and slots["location_label"] == "南京路100号附近"
    assert slots["awaiting_correction"] is None
    assert slots["requested_slot"] == "report_confirmed"


def test_cancel_ends_the_form(api: FakeServiceApiServer) -> None:
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "算了，不报了", "deny", slots={"requested_slot": "contact_phone", "problem_description": "垃圾"}))
    assert slots["report_confirmed"] is False and slots["requested_slot"] is None
    assert any(e["event"] == "active_loop" and e["name"] is None for e in slots["_events"])
    assert dispatcher.messages[0]["response"] == "utter_report_cancelled"


def test_phone_no_phone_and_client_location_and_photos(api: FakeServiceApiServer) -> None:
    _, slots = run(ValidateReportForm(), tracker("电话13912345678", slots={"requested_slot": "contact_phone"}))
    assert slots["contact_phone"] == "13912345678"
    _, slots = run(ValidateReportForm(), tracker("不用", "deny", slots={"requested_slot": "contact_phone"}))
    assert slots["contact_phone"] == "none"
    _, slots = run(ValidateReportForm(), tracker(
        "这里", metadata={"location": {"lat": 36.06, "lng": 120.38, "crs": "gcj02"}, "photo_ids": ["p1", "p2"]},
        slots={"requested_slot": "problem_location", "problem_description": "垃圾", "matter_code": "06010"}))
    assert slots["geo_point"] == {"lat": 36.06, "lng": 120.38, "crs": "gcj02"}
    assert slots["photo_ids"] == ["p1", "p2"]
    assert slots["requested_slot"] == "contact_phone"  # no need to ask for the place in words


def confirmed(**extra: Any) -> Dict[str, Any]:
    return {"problem_description": "香港中路12号有暴露垃圾", "problem_location": "香港中路12号",
            "matter_code": "06010", "contact_phone": "13912345678", "photo_ids": ["p1"],
            "report_confirmed": True} | extra


def test_confirmed_report_is_filed_once_with_tracking_number(api: FakeServiceApiServer) -> None:
    trk = tracker("对", "affirm", slots=confirmed())
    dispatcher, slots = run(ActionSubmitReport(), trk)
    body = api.calls("POST", "/api/v1/reports")[0]["json"]
    assert body["channel"] == "chatbot" and body["address"] == "香港中路12号"
    assert body["contact"] == {"phone": "13912345678"} and body["photo_ids"] == ["p1"]
    assert "join_case_no" not in body
    assert "受理编号R20261124000102" in texts(dispatcher)
    assert slots["last_tracking_no"] == "R20261124000102" and slots["problem_description"] is None
    run(ActionSubmitReport(), trk)  # the action server retried the same turn
    keys = {c["headers"]["Idempotency-Key"] for c in api.calls("POST", "/api/v1/reports")}
    assert len(keys) == 1 and len(api.by_key) == 1


def test_joining_a_nearby_case(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionSubmitReport(), tracker("是", "affirm", slots=confirmed(
        nearby_case_no=OPEN_CASE, join_existing=True)))
    assert api.calls("POST", "/api/v1/reports")[0]["json"]["join_case_no"] == OPEN_CASE
    assert f"并入案件{OPEN_CASE}" in texts(dispatcher)


def test_not_confirmed_files_nothing(api: FakeServiceApiServer) -> None:
    run(ActionSubmitReport(), tracker("取消", "deny", slots=confirmed(report_confirmed=False)))
    assert api.calls("POST", "/api/v1/reports") == []


def test_api_down_is_told_not_crashed(api: FakeServiceApiServer) -> None:
    api.fail_with = 503
    dispatcher, _ = run(ActionSubmitReport(), tracker("对", "affirm", slots=confirmed()))
    assert "系统暂时繁忙" in texts(dispatcher)


def test_api_down_during_validation_is_said_once(api: FakeServiceApiServer) -> None:
    api.fail_with = 503
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "就在这里", metadata={"location": {"lat": 36.06, "lng": 120.38}},
        new_slots={"problem_description": "垃圾没人清", "problem_location": "这里"}))
    assert texts(dispatcher).count("系统暂时繁忙") == 1
    assert slots["problem_description"] is None


def test_status_by_case_number(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionCheckStatus(), tracker(f"查一下{OPEN_CASE}", "check_status", sender=ANON))
    assert api.calls("GET", f"/api/v1/public/cases/{OPEN_CASE}")
    assert f"案件{OPEN_CASE}（暴露垃圾）当前状态：处置中" in texts(dispatcher)
    assert "11月24日 10:05 已派遣至市南区城市管理局" in texts(dispatcher)
    dispatcher, _ = run(ActionCheckStatus(), tracker("C370202-20261124-09999", "check_status"))
    assert "没有找到案件号C370202-20261124-09999" in texts(dispatcher)


def test_status_by_tracking_number_and_latest(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionCheckStatus(), tracker("R20261101000001进度", "check_status"))
    assert "处理结果：垃圾已清运完毕" in texts(dispatcher) and "欢迎对处理结果进行评价" in texts(dispatcher)
    dispatcher, _ = run(ActionCheckStatus(), tracker("我上次反映的问题", "check_status"))
    assert "1. 受理编号R20261120000015（暴露垃圾）：处置中" in texts(dispatcher)
    assert api.calls("GET", "/api/v1/me/reports")[0]["path"].endswith("page=1&page_size=5")
    dispatcher, _ = run(ActionCheckStatus(), tracker("我上次反映的问题", "check_status", sender=ANON))
    assert "没有查到您的反映记录" in texts(dispatcher)


def test_rating_a_closed_report(api: FakeServiceApiServer) -> None:
    dispatcher, slots = run(ActionRateService(), tracker("我要评价", "rate_service"))
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["满意", "基本满意", "不满意"]
    report_id = slots["rating_report_id"]
    dispatcher, _ = run(ActionRateService(), tracker(
        "不满意，垃圾还在那里没解决", "rate_service", slots={"rating_report_id": report_id, "rating": "unsatisfied"}))
    assert api.ratings["R20261101000001"] == {"rating": "unsatisfied", "solved": False,
                                              "comment": "不满意，垃圾还在那里没解决"}
    assert "不满意" in texts(dispatcher) and "复核" in texts(dispatcher)


def test_rating_an_open_report_is_refused_kindly(api: FakeServiceApiServer) -> None:
    api.reports["R20261101000001"]["status"] = "closed"
    dispatcher, _ = run(ActionRateService(), tracker("满意 R20261120000015", "rate_service",
                                                     slots={"rating": "satisfied"}))
    assert "还在办理中" in texts(dispatcher)
    assert api.ratings == {}


def test_handoff_creates_callback_with_transcript(api: FakeServiceApiServer) -> None:
    history = [{"event": "user", "text": "井盖丢了", "timestamp": time.time() - 60},
               {"event": "bot", "text": "问题发生在哪里？", "timestamp": time.time() - 59}]
    dispatcher, _ = run(ActionRequestCallback(), tracker("转人工", "request_human", history=history,
                                                         slots={"contact_phone": "13912345678"}))
    callback = api.callbacks[0]
    assert callback["kind"] == "chatbot_handoff" and callback["sender_id"] == CITIZEN
    assert callback["phone"] == "13912345678"
    assert [line["from"] for line in callback["transcript"]] == ["user", "bot", "user"]
    assert "11月24日 14:30前给您回电" in texts(dispatcher)


def test_second_fallback_in_a_row_hands_off(api: FakeServiceApiServer) -> None:
    first = tracker("阿巴阿巴", "nlu_fallback")
    dispatcher, _ = run(ActionHandleFallback(), first)
    assert dispatcher.messages[0]["response"] == "utter_default" and api.callbacks == []
    history = [{"event": "user", "text": "阿巴阿巴", "parse_data": {"intent": {"name": "nlu_fallback"}}},
               {"event": "bot", "text": "抱歉，我没太明白。"}]
    dispatcher, _ = run(ActionHandleFallback(), tracker("嗯哼哼", "nlu_fallback", history=history))
    assert len(api.callbacks) == 1 and "智能客服连续两次未能理解" in api.callbacks[0]["reason"]
    assert "转人工" in texts(dispatcher)


def test_handoff_with_phone_read_as_a_report_still_hands_off(api: FakeServiceApiServer) -> None:
    # NLU may read "转人工，我的手机号139…" as a phone for a report; the form must hand off, not ask for a problem.
    dispatcher, slots = run(ValidateReportForm(), tracker("转人工，我的手机号13912345678", "inform", sender=ANON,
                                                          new_slots={"contact_phone": "13912345678"}))
    assert len(api.callbacks) == 1
    assert api.callbacks[0]["phone"] == "13912345678" and api.callbacks[0]["kind"] == "chatbot_handoff"
    assert "给您回电（139****5678）" in texts(dispatcher)
    assert any(e["event"] == "active_loop" and e["name"] is None for e in slots["_events"])
    assert slots["requested_slot"] is None and slots["contact_phone"] is None
    assert "请描述一下您遇到的问题" not in texts(dispatcher)


def test_handoff_of_signed_in_resident_calls_back_the_account_phone(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionRequestCallback(), tracker("转人工", "request_human", sender=CITIZEN))
    assert "phone" not in api.callbacks[0]  # the API knows the account's number, the bot does not
    assert "给您回电（138****8000）" in texts(dispatcher)
    assert "如需" not in texts(dispatcher)


def test_handoff_uses_a_phone_typed_earlier_in_the_session(api: FakeServiceApiServer) -> None:
    history = [{"event": "session_started"},
               {"event": "user", "text": "我的电话是15063217788", "timestamp": time.time() - 60},
               {"event": "bot", "text": "请描述一下您遇到的问题", "timestamp": time.time() - 59}]
    dispatcher, _ = run(ActionRequestCallback(), tracker("转人工", "request_human", sender=ANON, history=history))
    assert api.callbacks[0]["phone"] == "15063217788"
    assert "给您回电（150****7788）" in texts(dispatcher)


def test_anonymous_handoff_without_phone_says_how_to_get_a_call(api: FakeServiceApiServer) -> None:
    history = [{"event": "user", "text": "我的电话是15063217788", "timestamp": time.time() - 7200},
               {"event": "session_started"}]
    dispatcher, _ = run(ActionRequestCallback(), tracker("转人工", "request_human", sender=ANON, history=history))
    assert "phone" not in api.callbacks[0]  # a number from an expired session is not this conversation's
    assert "请直接发送您的手机号" in texts(dispatcher)


def test_rating_by_case_number_is_a_rating_not_a_status(api: FakeServiceApiServer) -> None:
    text = f"对{OPEN_CASE}的处理结果不满意"
    entities = [{"entity": "case_no", "value": OPEN_CASE}, {"entity": "rating", "value": "unsatisfied"}]
    dispatcher, _ = run(ActionCheckStatus(), tracker(text, "check_status", entities=entities,
                                                     slots={"rating": "unsatisfied"}))
    # "不满意" alone does not say the problem is unsolved: solved stays unknown (left out)
    assert api.ratings["R20261101000001"] == {"rating": "unsatisfied"}
    assert "已收到您的评价：不满意" in texts(dispatcher)
    assert "当前状态" not in texts(dispatcher)


def test_rating_by_case_number_through_the_rating_intent(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionRateService(), tracker(f"{OPEN_CASE}基本满意", "rate_service",
                                                     slots={"rating": "basically_satisfied"}))
    assert api.ratings["R20261101000001"]["rating"] == "basically_satisfied"
    assert "已收到您的评价：基本满意" in texts(dispatcher)


def test_rating_a_case_that_is_not_the_residents(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionRateService(), tracker(f"对{OPEN_CASE}的处理结果不满意", "rate_service", sender=ANON,
                                                     slots={"rating": "unsatisfied"}))
    assert api.ratings == {}
    assert f"没有找到您在案件{OPEN_CASE}中的反映记录" in texts(dispatcher)


def test_handoff_with_phone_in_the_middle_of_a_report(api: FakeServiceApiServer) -> None:
    # The phone is extracted as the report's contact phone, so the form goes on unless it hands off itself.
    dispatcher, slots = run(ValidateReportForm(), tracker(
        "帮我转人工，电话18653291234", "request_human", sender=ANON,
        slots={"requested_slot": "problem_location", "problem_description": "工地夜间施工噪音太大了",
               "matter_code": "06026"},
        new_slots={"contact_phone": "18653291234"}))
    assert len(api.callbacks) == 1 and api.callbacks[0]["phone"] == "18653291234"
    assert "未完成的反映：工地夜间施工噪音太大了" in api.callbacks[0]["reason"]
    assert "给您回电（186****1234）" in texts(dispatcher)
    assert any(e["event"] == "active_loop" and e["name"] is None for e in slots["_events"])
    assert slots["problem_description"] is None


def test_number_shown_back_is_national_and_masked() -> None:
    from actions.parsing import phone_shown

    assert phone_shown("+8613912345678") == "139****5678"
    assert phone_shown("+8653288888888") == "053****8888"  # a landline keeps its leading 0


# --- defects found trying the chat against the real stack (2026-12-04) ---------------------------------------

@pytest.mark.parametrize("typed", ["139 1234 5678", "我的手机是139-1234-5678", "１３９１２３４５６７８",
                                   "+86 139 1234 5678", "电话：139－1234－5678"])
def test_phone_in_any_written_form_fills_the_report_phone(api: FakeServiceApiServer, typed: str) -> None:
    form = {"requested_slot": "contact_phone", "problem_description": "垃圾没人清", "matter_code": "06010",
            "matter_name": "暴露垃圾", "problem_location": "香港中路12号", "location_label": "香港中路12号附近"}
    history = [{"event": "slot", "name": "problem_location", "value": "香港中路12号"}]
    # NLU may also tag the digits as a place: that must neither replace the place nor be looked up.
    dispatcher, slots = run(ValidateReportForm(), tracker(typed, slots=form, history=history,
                                                          new_slots={"problem_location": typed}))
    assert slots["contact_phone"] == "13912345678"
    assert slots["problem_location"] == "香港中路12号"
    assert slots["requested_slot"] == "report_confirmed"
    assert "没有找到" not in texts(dispatcher)
    assert all(c["json"].get("address") != typed for c in api.calls("POST", "/api/v1/intake/preview"))


def test_phone_nlu_did_not_understand_still_fills_the_form(api: FakeServiceApiServer) -> None:
    trk = tracker("１３９ １２３４ ５６７８", "nlu_fallback", slots={"requested_slot": "contact_phone"})
    trk.active_loop = {"name": "report_form"}
    dispatcher, slots = run(ActionHandleFallback(), trk)
    assert slots["contact_phone"] == "13912345678" and dispatcher.messages == []
    dispatcher, slots = run(ActionCheckStatus(), tracker("139 1234 5678", "check_status",
                                                         slots={"requested_slot": "contact_phone"}))
    assert slots["contact_phone"] == "13912345678" and api.calls("GET", "/api/v1/me/reports") == []


def test_read_back_masks_the_phone(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionAskReportConfirmed(), tracker("139 1234 5678", slots={
        "matter_name": "暴露垃圾", "location_label": "香港中路12号附近", "contact_phone": "13912345678"}))
    assert "联系电话139****5678" in texts(dispatcher) and "13912345678" not in texts(dispatcher)


def test_handoff_with_a_dashed_phone_keeps_the_number(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionRequestCallback(), tracker("转人工，我的手机号139-1234-5678", "request_human",
                                                         sender=ANON))
    assert api.callbacks[0]["phone"] == "13912345678"
    assert "给您回电（139****5678）" in texts(dispatcher) and "如需" not in texts(dispatcher)


def test_report_waiting_for_triage_is_not_told_registered(api: FakeServiceApiServer) -> None:
    api.created_extra = {"case_no": "C370202-20261205-00003", "status": "received", "status_text": "已受理",
                         "referral": "邻里噪声纠纷建议先联系所在社区居委会调解，也可拨打12345；如正在发生并影响休息，可拨打110。"}
    dispatcher, _ = run(ActionSubmitReport(), tracker("对", "affirm", slots=confirmed(
        problem_description="楼上邻居半夜打麻将太吵")))
    said = texts(dispatcher)
    assert "已立案" not in said
    assert "受理编号R20261124000102" in said and "已受理" in said and "分拣" in said
    assert "居委会" in said and "110" in said


def test_status_of_a_referred_report_repeats_the_referral(api: FakeServiceApiServer) -> None:
    api.reports["R20261120000015"].update(status="received", status_text="已受理", referral="请联系社区居委会调解。")
    dispatcher, _ = run(ActionCheckStatus(), tracker("R20261120000015进度", "check_status"))
    assert "已受理" in texts(dispatcher) and "请联系社区居委会调解" in texts(dispatcher)


def test_a_join_the_api_did_not_make_is_not_called_merged(api: FakeServiceApiServer) -> None:
    api.created_extra = {"case_no": "C370202-20261205-00007", "status": "received", "status_text": "已受理",
                         "join": {"case_no": OPEN_CASE, "joined": None,
                                  "message": f"正在受理，稍后确认是否与案件{OPEN_CASE}合并办理"}}
    dispatcher, _ = run(ActionSubmitReport(), tracker("是", "affirm", slots=confirmed(
        nearby_case_no=OPEN_CASE, join_existing=True)))
    assert "并入案件" not in texts(dispatcher) and "已立案" not in texts(dispatcher)
    assert f"稍后确认是否与案件{OPEN_CASE}合并办理" in texts(dispatcher)


def test_registered_report_is_told_registered(api: FakeServiceApiServer) -> None:
    api.created_extra = {"case_no": "C370202-20261205-00004", "status": "registered", "status_text": "已立案"}
    dispatcher, _ = run(ActionSubmitReport(), tracker("对", "affirm", slots=confirmed()))
    assert "已立案，案件号C370202-20261205-00004" in texts(dispatcher)


def test_rating_leaves_solved_unknown_and_asks_once_for_a_remark(api: FakeServiceApiServer) -> None:
    text = f"对{OPEN_CASE}的处理结果不满意"
    dispatcher, slots = run(ActionRateService(), tracker(text, "rate_service", slots={"rating": "unsatisfied"}))
    assert api.ratings["R20261101000001"] == {"rating": "unsatisfied"}  # never said 没解决
    assert slots["rating_asks_comment"] is True
    pending = slots["rating_comment_for"]
    from actions.rating import ActionAttachRatingComment

    remark = "垃圾桶第二天又满了，还是没人管"
    dispatcher, slots = run(ActionAttachRatingComment(), tracker(
        remark, "report_problem", slots={"rating_comment_for": pending, "rating_comment": remark}))
    assert api.ratings["R20261101000001"] == {"rating": "unsatisfied", "comment": remark}
    assert "附在评价中" in texts(dispatcher)
    assert slots["rating_comment_for"] is None and slots["rating_asks_comment"] is None
    run(ActionAttachRatingComment(), tracker("没解决", "deny", slots={"rating_comment_for": pending,
                                                                     "rating_comment": "没解决"}))
    assert api.ratings["R20261101000001"]["solved"] is False


def test_no_remark_after_a_rating_changes_nothing(api: FakeServiceApiServer) -> None:
    from actions.rating import ActionAttachRatingComment

    pending = {"report": "1", "rating": "satisfied", "solved": None}
    dispatcher, _ = run(ActionAttachRatingComment(), tracker("不用了，谢谢", "deny", slots={
        "rating_comment_for": pending, "rating_comment": "不用了，谢谢"}))
    assert api.calls("POST", "/api/v1/reports/1/rating") == [] and "感谢" in texts(dispatcher)


def test_rating_by_a_full_width_case_number_is_no_remark(api: FakeServiceApiServer) -> None:
    text = f"对{OPEN_CASE.replace('-', '－')}的处理结果不满意"
    _, slots = run(ActionRateService(), tracker(text, "rate_service", slots={"rating": "unsatisfied"}))
    assert api.ratings["R20261101000001"] == {"rating": "unsatisfied"} and slots["rating_asks_comment"] is True


def test_a_rating_with_its_remark_asks_nothing_more(api: FakeServiceApiServer) -> None:
    _, slots = run(ActionRateService(), tracker("不满意，垃圾还在那里没解决", "rate_service",
                                                slots={"rating": "unsatisfied"}))
    assert "rating_asks_comment" not in slots


def test_case_number_is_never_a_place(api: FakeServiceApiServer) -> None:
    for value in ("20261205", "C370202-20261205-00001", "R20261205000005"):
        dispatcher, slots = run(ValidateReportForm(), tracker(
            "垃圾桶第二天又满了", "report_problem", slots={"requested_slot": "problem_location",
                                                       "problem_description": "垃圾桶第二天又满了"},
            new_slots={"problem_location": value}))
        assert slots["problem_location"] is None and "没有找到" not in texts(dispatcher)
        assert slots["requested_slot"] == "problem_location"


def test_full_width_dashes_in_case_numbers(api: FakeServiceApiServer) -> None:
    full = OPEN_CASE.replace("-", "－")
    dispatcher, _ = run(ActionCheckStatus(), tracker(f"查一下{full}", "check_status", sender=ANON))
    assert f"案件{OPEN_CASE}（暴露垃圾）当前状态：处置中" in texts(dispatcher)
    dispatcher, _ = run(ActionCheckStatus(), tracker("查一下Ｒ２０２６１１０１－０００００１", "check_status"))
    assert "受理编号R20261101000001" in texts(dispatcher)


def test_someone_elses_report_is_not_called_missing(api: FakeServiceApiServer) -> None:
    dispatcher, _ = run(ActionCheckStatus(), tracker("查一下R20261101000001的进度", "check_status", sender=ANON))
    said = texts(dispatcher)
    assert "没有找到" not in said and "/r/R20261101000001" in said and "手机号" in said
    assert "垃圾已清运完毕" not in said  # nothing of the report itself is revealed


@pytest.mark.parametrize("requested", ["problem_description", "problem_location", "contact_phone"])
def test_no_before_the_read_back_corrects_not_cancels(api: FakeServiceApiServer, requested: str) -> None:
    form = {"requested_slot": requested, "problem_description": "垃圾没人清", "matter_code": "06010",
            "problem_location": "香港中路12号"}
    dispatcher, slots = run(ValidateReportForm(), tracker("不对", "deny", slots=form))
    assert "utter_report_cancelled" not in texts(dispatcher) and "取消" in texts(dispatcher)
    assert not any(e["event"] == "active_loop" for e in slots["_events"])
    assert slots.get("contact_phone") is None and slots.get("requested_slot") in (None, requested)


# --- conversations as residents have them (issue 21) ------------------------------------------------------------

def test_a_place_in_a_long_message_fills_the_form(api: FakeServiceApiServer) -> None:
    """DIET found no place in a long, angry message: the gazetteer name is found, with its door number."""
    text = "上个月我就打过电话了，一直没人管。莱阳路8号门口的垃圾堆了半个月，臭得没法走路，你们到底管不管！"
    _, slots = run(ValidateReportForm(), tracker(text, "report_problem", slots={"requested_slot": None},
                                                 new_slots={"problem_description": text}))
    assert slots["problem_location"] == "莱阳路8号门口"
    assert slots["requested_slot"] == "contact_phone"  # the place is not asked again
    assert api.calls("POST", "/api/v1/intake/preview")[-1]["json"]["address"] == "莱阳路8号门口"


def test_a_road_named_after_a_province_is_the_whole_place(api: FakeServiceApiServer) -> None:
    """"江西路15号": DIET tagged only 路15号 (Jieba used to cut 江西/路); the gazetteer match wins."""
    entities = [{"entity": "place", "value": "路15号", "start": 3, "end": 7}]
    _, slots = run(ValidateReportForm(), tracker("在江西路15号", entities=entities,
                                                 slots={"requested_slot": "problem_location",
                                                        "problem_description": "路灯坏了", "matter_code": "01037"}))
    assert slots["problem_location"] == "江西路15号"


def test_a_crossing_tagged_as_two_places_is_one_place(api: FakeServiceApiServer) -> None:
    text = "在东方路和西方路路口"  # not in the gazetteer: DIET's two entities make one span
    entities = [{"entity": "place", "value": "东方路", "start": 1, "end": 4},
                {"entity": "place", "value": "西方路", "start": 5, "end": 8}]
    _, slots = run(ValidateReportForm(), tracker(text, entities=entities,
                                                 slots={"requested_slot": "problem_location",
                                                        "problem_description": "垃圾没人清", "matter_code": "06010"}))
    assert slots["problem_location"] == "东方路和西方路"


def test_a_phone_answer_is_never_taken_as_the_place(api: FakeServiceApiServer) -> None:
    for text in ("139 1234 5678", "我的手机是139-1234-5678", "一三九一二三四五六七八"):
        _, slots = run(ValidateReportForm(), tracker(text, slots={"requested_slot": "problem_location",
                                                                  "problem_description": "垃圾没人清"}))
        assert slots.get("problem_location") is None and slots["contact_phone"] == "13912345678"
        assert not api.calls("POST", "/api/v1/intake/preview")


@pytest.mark.parametrize("yes", ["好的", "可以", "是的", "嗯嗯", "行"])
def test_a_yes_to_the_phone_question_keeps_the_form_and_asks_for_the_number(api: FakeServiceApiServer,
                                                                              yes: str) -> None:
    asked = {"requested_slot": "contact_phone", "problem_description": "垃圾", "problem_location": "山东路28号"}
    dispatcher, slots = run(ValidateReportForm(), tracker(yes, "affirm", slots=asked))
    assert slots.get("contact_phone") is None and "awaiting_correction" in slots  # an event: the form goes on
    assert not any(e.get("event") == "active_loop" for e in slots["_events"])
    ask, _ = run(ActionAskContactPhone(), tracker(yes, "affirm", slots=asked))
    assert "请直接发送您的手机号" in texts(ask)
    # the number then fills the slot, also with the yes-word in front of it
    _, slots = run(ValidateReportForm(), tracker(f"{yes}，139-1234-5678", "inform", slots=asked))
    assert slots["contact_phone"] == "13912345678"


def test_the_phone_question_is_asked_plainly_otherwise(api: FakeServiceApiServer) -> None:
    ask, _ = run(ActionAskContactPhone(), tracker("江西路15号", slots={"requested_slot": "contact_phone"}))
    assert ask.messages[0]["response"] == "utter_ask_contact_phone"


@pytest.mark.parametrize("spoken", ["一三九一二三四五六七八", "幺三九 幺二三四 五六七八", "1 3 9 1 2 3 4 5 6 7 8"])
def test_a_phone_read_out_digit_by_digit(api: FakeServiceApiServer, spoken: str) -> None:
    _, slots = run(ValidateReportForm(), tracker(spoken, slots={"requested_slot": "contact_phone"}))
    assert slots["contact_phone"] == "13912345678"


def test_a_doubtful_place_in_the_first_message_is_asked_about(api: FakeServiceApiServer) -> None:
    """Description and a place the API asks about in one message: the question is asked, not skipped because the
    description's check already saw the same place."""
    text = "香港中路西段的垃圾没人清"
    dispatcher, slots = run(ValidateReportForm(), tracker(
        text, "report_problem", new_slots={"problem_description": text, "problem_location": "香港中路西段"}))
    assert slots["problem_description"] == text
    assert slots["problem_location"] is None and "门牌号" in texts(dispatcher)


@pytest.mark.parametrize("spoken", ["幺三九幺二三四五六零三", "139 1234 5603"])
def test_a_phone_read_as_a_report_never_replaces_the_description(api: FakeServiceApiServer, spoken: str) -> None:
    described = "江苏路20号门口有个坑，垃圾也没人清"
    history = [{"event": "slot", "name": "problem_description", "value": described}]
    _, slots = run(ValidateReportForm(), tracker(
        spoken, "report_problem", history=history,
        slots={"requested_slot": "contact_phone", "problem_description": described, "matter_code": "06010",
               "problem_location": "江苏路20号"},
        new_slots={"problem_description": spoken}))
    assert slots["problem_description"] == described
    assert slots["contact_phone"] == "13912345603"
    assert all(call["json"]["text"] != spoken for call in api.calls("POST", "/api/v1/intake/preview"))


def test_a_no_that_carries_the_new_place_is_the_correction(api: FakeServiceApiServer) -> None:
    """"不对，是在江西路15号" at the read-back: the place changes and it is read back again, not "what to change?"."""
    filled = {"requested_slot": "report_confirmed", "problem_description": "路灯坏了", "matter_code": "01037",
              "matter_name": "路灯异常", "problem_location": "山东路28号", "contact_phone": "none"}
    _, slots = run(ValidateReportForm(), tracker("不对，是在江西路15号", "deny", slots=filled,
                                                 new_slots={"report_confirmed": False}))
    assert slots["problem_location"] == "江西路15号" and slots["awaiting_correction"] is None
    assert slots["report_confirmed"] is None and slots["requested_slot"] == "report_confirmed"


def test_no_phone_said_with_give_up_words_is_no_phone_not_a_cancel(api: FakeServiceApiServer) -> None:
    asked = {"requested_slot": "contact_phone", "problem_description": "垃圾", "problem_location": "山东路28号"}
    _, slots = run(ValidateReportForm(), tracker("算了，不留了", "deny", slots=asked))
    assert slots["contact_phone"] == "none" and slots.get("report_confirmed") is not False


@pytest.mark.parametrize("requested", ["problem_description", "problem_location", "contact_phone", "report_confirmed"])
def test_cancel_at_any_step_whatever_nlu_read(api: FakeServiceApiServer, requested: str) -> None:
    for text, intent in (("取消", "deny"), ("算了算了不报了", "goodbye"), ("拉倒吧，不报了", "out_of_scope")):
        dispatcher, slots = run(ValidateReportForm(), tracker(text, intent, slots={
            "requested_slot": requested, "problem_description": "垃圾", "problem_location": "山东路28号"}))
        assert slots["requested_slot"] is None and slots["report_confirmed"] is False, (text, requested)
        assert dispatcher.messages[0]["response"] == "utter_report_cancelled"


def test_a_yes_nlu_did_not_understand_inside_the_form_is_no_misunderstanding(api: FakeServiceApiServer) -> None:
    asked = {"requested_slot": "contact_phone", "problem_description": "垃圾", "problem_location": "山东路28号"}
    trk = tracker("嗯可以", "nlu_fallback", slots=asked)
    dispatcher, slots = run(ActionHandleFallback(), trk)
    assert dispatcher.messages == [] and slots["_events"] == []


# --- a new user's defects (status naming the problem, long letters, no door number, gas, hand-off phone,
# --- public link, account phone) -----------------------------------------------------------------------------

def bot_said(text: str) -> Dict[str, Any]:
    return {"event": "bot", "text": text, "timestamp": time.time() - 30}


def said_before(text: str) -> List[Dict[str, Any]]:
    return [{"event": "user", "text": "…", "timestamp": time.time() - 40}, bot_said(text)]


def test_status_question_naming_the_problem_answers_status_not_a_new_report(api: FakeServiceApiServer) -> None:
    api.add_report("R20261205000008", status="closed", status_text="已办结", owner=ANON, outcome="井盖已更换")
    text = "你好，我上次反映的井盖问题解决了吗"
    dispatcher, slots = run(ValidateReportForm(), tracker(text, "report_problem", sender=ANON,
                                                          new_slots={"problem_description": text}))
    said = texts(dispatcher)
    assert "受理编号R20261205000008" in said and "已办结" in said and "欢迎对处理结果进行评价" in said
    assert "问题发生在哪里" not in said and api.calls("POST", "/api/v1/intake/preview") == []
    assert slots["problem_description"] is None and slots["requested_slot"] is None
    assert {"event": "active_loop", "name": None} in [
        {"event": e.get("event"), "name": e.get("name")} for e in slots["_events"]]


def test_rating_with_its_level_rates_then_the_next_message_is_the_remark(api: FakeServiceApiServer) -> None:
    from actions.rating import ActionAttachRatingComment

    dispatcher, slots = run(ActionRateService(), tracker("我要评价，基本满意", "rate_service", sender=CITIZEN,
                                                         slots={"rating": "basically_satisfied"}))
    assert "已收到您的评价：基本满意" in texts(dispatcher)
    # "我要评价" is no remark: the rating is stored without one, and one is asked for once.
    assert api.ratings["R20261101000001"] == {"rating": "basically_satisfied"}
    assert slots["rating_asks_comment"] is True
    remark = "处理得还算及时，就是围挡没撤"
    dispatcher, _ = run(ActionAttachRatingComment(), tracker(remark, "rate_service", slots={
        "rating_comment_for": slots["rating_comment_for"], "rating_comment": remark}))
    assert api.ratings["R20261101000001"] == {"rating": "basically_satisfied", "comment": remark}
    assert "附在评价中" in texts(dispatcher)


def test_a_long_letter_takes_the_apis_door_level_place_over_the_introduction(api: FakeServiceApiServer) -> None:
    for text, bot_place, door in (
            ("尊敬的领导您好！我是住在莱阳路附近的一名退休教师，莱阳路8号门口的垃圾堆了一个星期了，臭得不行", "莱阳路附近",
             "莱阳路8号"),
            ("领导好，我家住江西路，江西路15号门口的垃圾没人清", "江西路", "江西路15号")):
        api.requests.clear()
        dispatcher, slots = run(ValidateReportForm(), tracker(text, "report_problem", new_slots={
            "problem_description": text, "problem_location": bot_place}))
        assert slots["problem_location"] == door, text
        assert slots["location_label"] == f"{door}附近" and "范围较大" not in texts(dispatcher)
        assert slots["requested_slot"] == "contact_phone"


def test_no_better_place_at_the_place_question_keeps_the_road_and_never_cancels(api: FakeServiceApiServer) -> None:
    form = {"requested_slot": "problem_location", "problem_description": "垃圾没人清", "matter_code": "06010",
            "matter_name": "暴露垃圾"}
    dispatcher, slots = run(ValidateReportForm(), tracker("山东路垃圾没人清", "report_problem", slots=form,
                                                          new_slots={"problem_location": "山东路"}))
    assert "范围较大" in texts(dispatcher) and slots["place_asked"] == "山东路" and slots["place_prompted"] is True
    asked = dict(form, place_asked="山东路", location_label="山东路")
    for answer, intent in (("不用", "deny"), ("不用了", "deny"), ("不知道门牌号", "inform"), ("不清楚门牌号", "inform"),
                           ("不知道", "deny")):
        dispatcher, slots = run(ValidateReportForm(), tracker(answer, intent, slots=asked,
                                                              new_slots={"problem_location": answer}))
        assert "cancelled" not in texts(dispatcher) and "没有找到" not in texts(dispatcher), answer
        assert slots["problem_location"] == "山东路" and slots["requested_slot"] == "contact_phone", answer
    # The road again in other words ("就在山东路上"): asked once, now taken as it is.
    dispatcher, slots = run(ValidateReportForm(), tracker("就在山东路上", slots=asked,
                                                          new_slots={"problem_location": "就在山东路上"}))
    assert slots["problem_location"] == "山东路" and texts(dispatcher) == ""
    # An explicit cancel still cancels.
    dispatcher, slots = run(ValidateReportForm(), tracker("算了不反映了", "deny", slots=asked))
    assert "utter_report_cancelled" in texts(dispatcher)


def test_a_place_prompt_is_not_followed_by_the_generic_place_question(api: FakeServiceApiServer) -> None:
    from actions.report_form import ActionAskProblemLocation

    prompted = tracker("山东路", slots={"requested_slot": "problem_location"}, new_slots={"place_prompted": True})
    dispatcher, slots = run(ActionAskProblemLocation(), prompted)
    assert dispatcher.messages == [] and slots["place_prompted"] is None
    # Set on an earlier turn only: this turn asks.
    earlier = tracker("好的", slots={"requested_slot": "problem_location", "place_prompted": True})
    dispatcher, _ = run(ActionAskProblemLocation(), earlier)
    assert dispatcher.messages[0]["response"] == "utter_ask_problem_location"


def test_gas_leak_gets_safety_advice_first_then_the_report_goes_on(api: FakeServiceApiServer) -> None:
    text = "燃气管道好像漏气了，有很大的煤气味，宁夏路10号，垃圾也没人清"
    dispatcher, slots = run(ValidateReportForm(), tracker(text, "report_problem", new_slots={
        "problem_description": text, "problem_location": "宁夏路10号"}))
    said = texts(dispatcher)
    assert "离开" in said and "明火" in said and "燃气公司抢修电话" in said and "119" in said
    assert not re.search(r"\d{5,}", said)  # no made-up phone number for the gas company
    assert slots["problem_description"] == text and slots["requested_slot"] == "contact_phone"
    # Said once a conversation, not at every validation.
    dispatcher, _ = run(ValidateReportForm(), tracker(text, "report_problem", history=said_before(said),
                                                      new_slots={"problem_description": text}))
    assert "燃气公司" not in texts(dispatcher)
    for other, words in (("楼道里的垃圾着火了", "119"), ("井盖没了，有人掉进去受伤了", "120")):
        dispatcher, _ = run(ValidateReportForm(), tracker(other, "report_problem",
                                                          new_slots={"problem_description": other}))
        assert "安全提示" in texts(dispatcher) and words in texts(dispatcher)


def test_a_bare_phone_after_a_handoff_is_the_callback_number(api: FakeServiceApiServer) -> None:
    from actions.handoff import ASK_CALLBACK_PHONE

    history = said_before(f"已为您转人工服务，话务员会尽快查看本次对话并处理。{ASK_CALLBACK_PHONE}")
    for action, intent in ((ValidateReportForm(), "inform"), (ActionCheckStatus(), "check_status"),
                           (ActionHandleFallback(), "nlu_fallback")):
        api.callbacks.clear()
        dispatcher, slots = run(action, tracker("138 0013 8000", intent, sender=ANON, history=history))
        assert api.callbacks[0]["phone"] == "13800138000", intent
        assert "给您回电（138****8000）" in texts(dispatcher) and "请描述" not in texts(dispatcher)
    # Not after a hand-off: a phone is the report's phone as before.
    api.callbacks.clear()
    run(ValidateReportForm(), tracker("138 0013 8000", "inform", sender=ANON, history=said_before("请描述一下")))
    assert api.callbacks == []


def test_status_of_a_report_filed_elsewhere_gives_the_full_public_link(api: FakeServiceApiServer) -> None:
    metadata = {"public_base_url": "https://city.example.cn/"}
    dispatcher, _ = run(ActionCheckStatus(), tracker("查询R20261101000001", "check_status", sender=ANON,
                                                     metadata=metadata))
    assert "https://city.example.cn/r/R20261101000001" in texts(dispatcher)
    dispatcher, _ = run(ActionCheckStatus(), tracker("查询R20261101000001", "check_status", sender=ANON))
    assert " /r/R20261101000001 " in texts(dispatcher)  # a channel without the API's metadata: the path


def test_signed_in_resident_with_an_account_phone_is_not_asked_for_one(api: FakeServiceApiServer) -> None:
    metadata = {"account": {"phone": "138****8000"}}
    text = "香港中路12号门口垃圾没人清"
    _, slots = run(ValidateReportForm(), tracker(text, "report_problem", metadata=metadata, new_slots={
        "problem_description": text, "problem_location": "香港中路12号"}))
    assert slots["requested_slot"] == "join_existing"  # the nearby case first; never the phone
    filled = {"problem_description": text, "problem_location": "香港中路12号", "matter_name": "暴露垃圾",
              "location_label": "香港中路12号附近", "requested_slot": "report_confirmed"}
    dispatcher, _ = run(ActionAskReportConfirmed(), tracker("不是", "deny", slots=filled, metadata=metadata))
    assert "联系电话138****8000（您账号的手机号）" in texts(dispatcher)
    # A number typed anyway is the report's phone.
    typed = text + "，电话13912345678"
    _, slots = run(ValidateReportForm(), tracker(typed, "report_problem", metadata=metadata, new_slots={
        "problem_description": typed, "problem_location": "江苏路20号"}))
    assert slots["contact_phone"] == "13912345678"
    # An anonymous chat cannot claim an account.
    anonymous = tracker(text, "report_problem", metadata=metadata, sender=ANON)
    required = asyncio.run(ValidateReportForm().required_slots([], CollectingDispatcher(), anonymous, DOMAIN))
    assert "contact_phone" in required


def test_dont_know_where_with_no_place_yet_asks_for_a_rough_place_not_a_cancel(api: FakeServiceApiServer) -> None:
    form = {"requested_slot": "problem_location", "problem_description": "垃圾没人清", "matter_code": "06010"}
    dispatcher, slots = run(ValidateReportForm(), tracker("不知道", "deny", slots=form,
                                                          new_slots={"problem_location": "不知道"}))
    assert "大概位置" in texts(dispatcher) and "cancelled" not in texts(dispatcher)
    assert "没有找到" not in texts(dispatcher) and slots["place_prompted"] is True


def test_dont_know_the_door_number_read_as_a_fallback_keeps_the_road(api: FakeServiceApiServer) -> None:
    asked = {"requested_slot": "problem_location", "problem_description": "路灯不亮了", "place_asked": "山东路",
             "location_label": "山东路"}
    dispatcher, slots = run(ActionHandleFallback(), tracker("不知道", "nlu_fallback", slots=asked))
    assert slots["problem_location"] == "山东路" and dispatcher.messages == []
