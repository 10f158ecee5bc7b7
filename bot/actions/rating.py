"""Satisfaction rating of a closed report: 满意 / 基本满意 / 不满意, with an optional comment."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, get_api
from actions.parsing import (
    RATING_LABELS,
    comment_from,
    find_case_no,
    find_tracking_no,
    is_no_comment,
    rating_from,
    solved_from,
    wants_human,
)
from actions.report_form import MSG_UNAVAILABLE
from actions.vocab import CLOSED, UNSATISFIED

MY_REPORTS_SCAN = 50  # how many of the resident's latest reports are searched for a named case
RATING_BUTTONS = [{"title": label, "payload": f'/rate_service{{"rating": "{value}"}}'}
                  for value, label in RATING_LABELS.items()]


class NotYours(Exception):
    """The resident named a case number none of their reports belongs to."""

    def __init__(self, case_no: str) -> None:
        super().__init__(case_no)
        self.case_no = case_no


def _report_in_case(api: Any, tracker: Tracker, case_no: str) -> Dict[str, Any]:
    """The resident's own report in the case they named (a case is rated through the resident's report)."""
    mine = [r for r in api.my_reports(tracker.sender_id, page_size=MY_REPORTS_SCAN)
            if str(r.get("case_no") or "").upper() == case_no]
    if not mine:
        raise NotYours(case_no)
    unrated = [r for r in mine if r.get("status") == CLOSED and not r.get("rating")]
    return (unrated or mine)[0]


def _pick_report(api: Any, tracker: Tracker) -> Optional[Dict[str, Any]]:
    """The report to rate: named in the message (tracking or case number), asked about earlier, or the latest
    closed unrated one."""
    text = tracker.latest_message.get("text") or ""
    case_no = find_case_no(text)
    if case_no and not find_tracking_no(text):
        return _report_in_case(api, tracker, case_no)
    ref = find_tracking_no(text) or tracker.get_slot("rating_report_id")
    if ref:
        return api.get_report(tracker.sender_id, ref)
    reports = api.my_reports(tracker.sender_id, page_size=5)
    closed = [r for r in reports if r.get("status") == CLOSED and not r.get("rating")]
    if closed:
        return closed[0]
    if tracker.get_slot("last_report_id"):
        return api.get_report(tracker.sender_id, tracker.get_slot("last_report_id"))
    return reports[0] if reports else None


class ActionRateService(Action):
    def name(self) -> Text:
        return "action_rate_service"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = tracker.latest_message.get("text") or ""
        api = get_api()
        try:
            report = _pick_report(api, tracker)
        except ApiError as exc:
            not_found = "没有找到这条反映记录，请核对受理编号。"
            dispatcher.utter_message(text=MSG_UNAVAILABLE if exc.unavailable else not_found)
            return [SlotSet("rating", None)]
        except NotYours as exc:
            dispatcher.utter_message(text=f"没有找到您在案件{exc.case_no}中的反映记录，只能评价您本人反映的问题。"
                                          "请核对案件号，或发送受理编号，例如“评价R20261124000042”。")
            return [SlotSet("rating", None)]
        if not report:
            dispatcher.utter_message(text="没有找到可以评价的反映记录。请发送“评价”加受理编号，例如“评价R20261124000042”。")
            return [SlotSet("rating", None)]
        report_ref = str(report.get("id") or report.get("tracking_no"))
        if report.get("status") != CLOSED:
            dispatcher.utter_message(text=f"受理编号{report.get('tracking_no')}的问题还在办理中（"
                                          f"{report.get('status_text') or report.get('status')}），办结后才能评价。")
            return [SlotSet("rating", None), SlotSet("rating_report_id", None)]
        rating = rating_from(tracker.get_slot("rating"), text)
        if not rating:
            dispatcher.utter_message(text=f"请对受理编号{report.get('tracking_no')}的处理结果进行评价：",
                                     buttons=RATING_BUTTONS)
            return [SlotSet("rating_report_id", report_ref)]
        solved, comment = solved_from(text), comment_from(text)
        try:
            api.rate(tracker.sender_id, report_ref, rating, solved, comment)
        except ApiError as exc:
            if exc.status == 409:
                dispatcher.utter_message(text="这个问题还没有办结，暂时不能评价；办结后我们会邀请您评价。")
            elif exc.unavailable:
                dispatcher.utter_message(text=MSG_UNAVAILABLE)
            else:
                dispatcher.utter_message(text=f"评价没有成功：{exc.message}")
            return [SlotSet("rating", None), SlotSet("rating_report_id", None)]
        reply = f"已收到您的评价：{RATING_LABELS[rating]}。感谢您的反馈！"
        if rating == UNSATISFIED:
            reply += "我们会安排复核，并尽快与您联系。"
        dispatcher.utter_message(text=reply)
        events: List[EventType] = [SlotSet("rating", None), SlotSet("rating_report_id", None)]
        if not comment:
            # Ask once for a comment (rating_comment_form, started by a rule on rating_asks_comment): whatever
            # the next message is ("垃圾桶第二天又满了…"), it is attached to this rating, not a new report.
            events += [SlotSet("rating_comment_for", {"report": report_ref, "rating": rating, "solved": solved}),
                       SlotSet("rating_asks_comment", True)]
        return events


RATING_COMMENT_RESET = [SlotSet("rating_comment", None), SlotSet("rating_comment_for", None),
                        SlotSet("rating_asks_comment", None)]


class ActionAttachRatingComment(Action):
    """The answer to "any comment?" after a rating: rated again with the comment (the API replaces a rating
    within its edit window), solved only if the resident said it."""

    def name(self) -> Text:
        return "action_attach_rating_comment"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        text = str(tracker.get_slot("rating_comment") or tracker.latest_message.get("text") or "").strip()
        pending = tracker.get_slot("rating_comment_for") or {}
        if wants_human(text):
            from actions.handoff import REASON_REQUESTED, request_callback

            return request_callback(dispatcher, tracker, REASON_REQUESTED) + RATING_COMMENT_RESET
        if not isinstance(pending, dict) or not pending.get("report") or not text or is_no_comment(text):
            dispatcher.utter_message(text="好的，感谢您的评价！")
            return RATING_COMMENT_RESET
        solved = solved_from(text)
        if solved is None:
            solved = pending.get("solved")
        try:
            get_api().rate(tracker.sender_id, str(pending["report"]), str(pending["rating"]), solved, text[:500])
        except ApiError as exc:
            dispatcher.utter_message(text=MSG_UNAVAILABLE if exc.unavailable else
                                     f"抱歉，补充说明没有保存成功：{exc.message or '评价已不能修改'}。")
            return RATING_COMMENT_RESET
        dispatcher.utter_message(text="已将您的补充说明附在评价中，我们会认真核查。谢谢！")
        return RATING_COMMENT_RESET
