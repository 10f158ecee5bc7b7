"""Hand-off to hotline agents: a callback task with the conversation so far."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, get_api
from actions.parsing import (beijing_time, find_phone, is_number_not_place, is_only_yes, no_better_place, phone_shown,
                             transcript, wants_human)
from actions.report_form import FORM_SLOTS, NO_PHONE

REASON_REQUESTED = "居民在智能客服中要求转人工"
REASON_FALLBACK = "智能客服连续两次未能理解居民的问题"


ASK_CALLBACK_PHONE = "如需话务员回电，请直接发送您的手机号，或直接拨打12345热线。"


def _session_events(tracker: Tracker) -> List[Dict[str, Any]]:
    """Events of the current session only (an expired session's words are not this conversation)."""
    events = list(tracker.events)
    starts = [i for i, event in enumerate(events) if event.get("event") == "session_started"]
    return events[starts[-1] + 1:] if starts else events


def typed_phone(tracker: Tracker) -> Optional[str]:
    """The number the resident gave: in this message, as the report's contact phone, or earlier in the session."""
    phone = find_phone(tracker.latest_message.get("text") or "")
    if phone:
        return phone
    slot = tracker.get_slot("contact_phone")
    if slot and slot != NO_PHONE:
        return str(slot)
    for event in reversed(_session_events(tracker)):
        if event.get("event") == "user":
            phone = find_phone(event.get("text") or "")
            if phone:
                return phone
    return None


def phone_for_report_form(tracker: Tracker) -> List[EventType]:
    """A phone NLU did not understand ("１３９ 1234 5678") while the report form is open: it is the report's
    phone. The form resumes after this action without validating the message, so the slot is set here."""
    if tracker.active_loop_name != "report_form" or wants_human(tracker.latest_message.get("text") or ""):
        return []
    phone = find_phone(tracker.latest_message.get("text") or "")
    return [SlotSet("contact_phone", phone), SlotSet("report_confirmed", None)] if phone else []


def _last_bot_text(tracker: Tracker) -> str:
    """What the bot said last before the latest user message."""
    seen_user = False
    for event in reversed(list(tracker.events)):
        if event.get("event") == "user":
            if seen_user:
                return ""
            seen_user = True
        elif seen_user and event.get("event") == "bot":
            return str(event.get("text") or "")
    return ""


def phone_for_handoff(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[EventType]:
    """A message that is only a phone ("138 0013 8000"), right after a hand-off that asked for one: the number
    the agent is to call (the open callback is updated), whatever NLU read it as (a report, a status question)."""
    text = tracker.latest_message.get("text") or ""
    if ASK_CALLBACK_PHONE not in _last_bot_text(tracker) or not find_phone(text) or not is_number_not_place(text):
        return []
    return request_callback(dispatcher, tracker, REASON_REQUESTED) or [SlotSet("contact_phone", None)]


def request_callback(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
    phone = typed_phone(tracker)
    payload: Dict[str, Any] = {"kind": "chatbot_handoff", "sender_id": tracker.sender_id, "reason": reason,
                               "transcript": transcript(_session_events(tracker))}
    if tracker.get_slot("problem_description"):
        payload["reason"] = f"{reason}；未完成的反映：{tracker.get_slot('problem_description')}"
    if phone:
        payload["phone"] = phone
    try:
        callback = get_api().create_callback(tracker.sender_id, payload)
    except ApiError as exc:
        if exc.status == 422 and phone:
            dispatcher.utter_message(text=f"手机号{phone}好像不对，请重新发送“转人工”加正确的11位手机号，或直接拨打12345热线。")
        else:
            dispatcher.utter_message(text="抱歉，人工服务暂时无法登记，请直接拨打12345热线。")
        return []
    when = beijing_time(callback.get("due_at"))
    by = f"在{when}前" if when else "尽快"
    # The API fills in a signed-in resident's account phone when none was typed.
    number = callback.get("phone") or phone
    if number:
        text = f"已为您转人工服务，话务员会{by}给您回电（{phone_shown(number)}）。"
    else:
        text = f"已为您转人工服务，话务员会{by}查看本次对话并处理。{ASK_CALLBACK_PHONE}"
    dispatcher.utter_message(text=text)
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


class ActionRequestCallback(Action):
    def name(self) -> Text:
        return "action_request_callback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        return request_callback(dispatcher, tracker, REASON_REQUESTED)


def _previous_user_intent(tracker: Tracker) -> Optional[str]:
    user_events = [e for e in tracker.events if e.get("event") == "user"]
    if len(user_events) < 2:
        return None
    return ((user_events[-2].get("parse_data") or {}).get("intent") or {}).get("name")


class ActionHandleFallback(Action):
    """First misunderstanding: rephrase hint. Second in a row: callback for an agent."""

    def name(self) -> Text:
        return "action_handle_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        handoff = phone_for_handoff(dispatcher, tracker)
        if handoff:
            return handoff
        phone_in_form = phone_for_report_form(tracker)
        if phone_in_form:
            return phone_in_form
        if tracker.active_loop.get("name") == "report_form" and tracker.get_slot("requested_slot") == "problem_location" \
                and tracker.get_slot("place_asked") and no_better_place(tracker.latest_message.get("text") or ""):
            # "不知道" to "please add a door number", which NLU did not place: the road-level place stands.
            return [SlotSet("problem_location", tracker.get_slot("place_asked")), SlotSet("place_asked", None)]
        if tracker.active_loop.get("name") == "report_form" and tracker.get_slot("requested_slot") \
                and is_only_yes(tracker.latest_message.get("text") or ""):
            # "嗯可以" to a question NLU did not place: no misunderstanding, the form asks its question again.
            return []
        if _previous_user_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(text="抱歉，我还是没能理解，为您转人工服务。")
            return request_callback(dispatcher, tracker, REASON_FALLBACK)
        dispatcher.utter_message(response="utter_default")
        return []
