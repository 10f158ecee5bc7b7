"""Hand-off to hotline agents: a callback task with the conversation so far."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, get_api
from actions.parsing import beijing_time, find_phone, transcript
from actions.report_form import FORM_SLOTS, NO_PHONE

REASON_REQUESTED = "居民在智能客服中要求转人工"
REASON_FALLBACK = "智能客服连续两次未能理解居民的问题"


def request_callback(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> List[EventType]:
    phone: Optional[str] = tracker.get_slot("contact_phone")
    if not phone or phone == NO_PHONE:
        phone = find_phone(tracker.latest_message.get("text") or "")
    payload: Dict[str, Any] = {"kind": "chatbot_handoff", "sender_id": tracker.sender_id, "reason": reason,
                               "transcript": transcript(tracker.events)}
    if tracker.get_slot("problem_description"):
        payload["reason"] = f"{reason}；未完成的反映：{tracker.get_slot('problem_description')}"
    if phone:
        payload["phone"] = phone
    try:
        callback = get_api().create_callback(tracker.sender_id, payload)
    except ApiError:
        dispatcher.utter_message(text="抱歉，人工服务暂时无法登记，请直接拨打12345热线。")
        return []
    when = beijing_time(callback.get("due_at"))
    by = f"在{when}前" if when else "尽快"
    if phone:
        text = f"已为您转人工服务，话务员会{by}给您回电（{phone}）。"
    else:
        text = f"已为您转人工服务，话务员会{by}查看本次对话并处理；如需电话沟通，请拨打12345热线。"
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
        if _previous_user_intent(tracker) == "nlu_fallback":
            dispatcher.utter_message(text="抱歉，我还是没能理解，为您转人工服务。")
            return request_callback(dispatcher, tracker, REASON_FALLBACK)
        dispatcher.utter_message(response="utter_default")
        return []
