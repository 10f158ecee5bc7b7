"""The report form: validation through the intake preview, the confirmation question, and filing.

Why one module of ~480 lines: it is one Rasa form. Its slot validation (ValidateReportForm, most of the file), the
two ask actions, the submit and the reset share the form's slots and the wording of its summary; the reading of
what residents type is already apart (parsing.py, places.py).
"""
from __future__ import annotations

import hashlib
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.api_client import ApiError, get_api
from actions.parsing import (
    asks_status_of_earlier_report,
    declines_phone,
    find_phone,
    has_more_than_place,
    is_cancel,
    is_correction,
    is_number_not_place,
    is_only_yes,
    is_opener,
    looks_like_yes,
    no_better_place,
    normalise,
    phone_shown,
    place_answer,
    safety_advice,
    wants_human,
)
from actions.places import find_place
from actions.vocab import CLOSED_STATUSES, REGISTERED_STATUSES, SOURCE_CHATBOT

NO_PHONE = "none"
FORM_SLOTS = ["problem_description", "problem_location", "contact_phone", "report_confirmed", "join_existing",
              "geo_point", "photo_ids", "matter_code", "matter_name", "location_label", "nearby_case_no",
              "nearby_case_info", "awaiting_correction", "place_asked", "place_prompted"]
MSG_UNAVAILABLE = "抱歉，系统暂时繁忙，请稍后再试，或者说“转人工”由话务员帮您登记。"


def say_unavailable(dispatcher: CollectingDispatcher) -> None:
    """Tells the resident the API is down, once per turn even when several slots were being checked."""
    if not any(m.get("text") == MSG_UNAVAILABLE for m in dispatcher.messages):
        dispatcher.utter_message(text=MSG_UNAVAILABLE)


def _metadata(tracker: Tracker) -> Dict[str, Any]:
    metadata = tracker.latest_message.get("metadata") or {}
    return metadata if isinstance(metadata, dict) else {}


def chat_metadata(tracker: Tracker, key: str) -> Any:
    """What POST /api/v1/chat told the bot with the latest message that carried `key` (the API sets
    `public_base_url` and `account` itself, never the client): None without it (Rasa's plain REST channel)."""
    metadata = _metadata(tracker)
    if key in metadata:
        return metadata[key]
    for event in reversed(list(tracker.events)):
        if event.get("event") == "user":
            metadata = event.get("metadata") or {}
            if isinstance(metadata, dict) and key in metadata:
                return metadata[key]
    return None


def account_phone(tracker: Tracker) -> Optional[str]:
    """The signed-in resident's account phone as the API shows it (masked), when the account has one: the
    report is filed with it (the API fills it in), so the bot does not ask for a phone."""
    account = chat_metadata(tracker, "account")
    phone = account.get("phone") if isinstance(account, dict) else None
    return str(phone) if phone and tracker.sender_id.startswith("citizen:") else None


def say_safety_advice(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> None:
    """Gas, fire, someone hurt: what to do at once, said before the report goes on (once a conversation)."""
    said = {e.get("text") for e in tracker.events if e.get("event") == "bot"}
    said |= {m.get("text") for m in dispatcher.messages}
    for advice in safety_advice(text):
        if advice not in said:
            dispatcher.utter_message(text=advice)


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def _previous_value(tracker: Tracker, slot: str) -> Any:
    """The slot's value before the latest user message (what was validated earlier, not this turn's candidate)."""
    seen_user = False
    for event in reversed(list(tracker.events)):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == slot:
            return event.get("value")
    return None


MSG_ROUGH_PLACE = "没关系，说个大概位置就行：在哪条路上、靠近哪个路口，或附近的小区、商场、学校；也可以在小程序里发送定位。"
MSG_CORRECTION = "好的，没关系。需要修改的话，直接说新的内容即可（比如新的地点或重新描述问题）；要取消请说“取消”。"


def _nearby_same_matter(preview: Dict[str, Any], matter_code: Optional[str]) -> Optional[Dict[str, Any]]:
    cases = [c for c in preview.get("nearby_cases") or []
             if (c.get("matter") or {}).get("code") == matter_code and c.get("status") not in CLOSED_STATUSES]
    return min(cases, key=lambda c: c.get("distance_m") or 0) if cases else None


def _nearby_text(case: Dict[str, Any]) -> str:
    where = case.get("address") or "附近"
    distance = case.get("distance_m")
    far = f"，距离约{int(distance)}米" if distance is not None else ""
    return f"案件号{case['case_no']}，{where}{far}"


# Messages whose place words are not a report's place (a status question naming a case's road, a hand-off...).
NOT_A_PLACE_INTENTS = {"check_status", "rate_service", "request_human", "faq", "out_of_scope"}


def _entity_place(tracker: Tracker) -> Optional[str]:
    """DIET's place entities as one span ("福州南路" and "南京路" of a crossing become "福州南路和南京路路口")."""
    places = [e for e in tracker.latest_message.get("entities") or [] if e.get("entity") == "place"
              and e.get("start") is not None and e.get("end") is not None]
    if not places:
        return None
    text = _text(tracker)
    start, end = min(e["start"] for e in places), max(e["end"] for e in places)
    span = text[start:end]
    return span if len(span) <= 40 else str(places[0].get("value") or "")


class ValidateReportForm(FormValidationAction):
    """Extracts custom slots (phone, GPS, photos), checks description and place with the intake preview."""

    def name(self) -> Text:
        return "validate_report_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        requested = tracker.get_slot("requested_slot")
        if _intent(tracker) == "request_human" or wants_human(_text(tracker)):
            # "转人工，我的手机号139…" during (or read by NLU as) a report: the phone fills a slot, so the form
            # is not rejected and the hand-off rule never runs. It is a hand-off all the same.
            from actions.handoff import REASON_REQUESTED, request_callback  # handoff imports this module

            events = request_callback(dispatcher, tracker, REASON_REQUESTED)
            if events:  # registered; on failure the resident was told and the report goes on
                return events + [SlotSet("requested_slot", None), ActiveLoop(None)]
        if requested in (None, "problem_description", "problem_location", "contact_phone") \
                and is_correction(_text(tracker)):
            # "不对" before the read-back corrects, it does not cancel: the form goes on and asks its question
            # again (a slot event keeps Rasa from rejecting the form). At the phone question it is not "no phone".
            dispatcher.utter_message(text=MSG_CORRECTION)
            return [SlotSet("awaiting_correction", None)]
        if requested in ("problem_description", "problem_location", "contact_phone") and is_only_yes(_text(tracker)):
            # "好的" / "可以" / "是的" to a question: the answer is still to come. The form goes on (a slot event keeps
            # Rasa from rejecting it) and asks again; at the phone question it asks for the number itself.
            return [SlotSet("awaiting_correction", None)]
        text = _text(tracker)
        from actions.handoff import phone_for_handoff  # handoff imports this module

        handoff = phone_for_handoff(dispatcher, tracker)
        if handoff:  # "138 0013 8000" right after a hand-off that asked for a number: the callback's number
            return handoff + [SlotSet("requested_slot", None), ActiveLoop(None)]
        if asks_status_of_earlier_report(text) and not tracker.get_slot("problem_location") \
                and _previous_value(tracker, "problem_description") is None:
            # "我上次反映的井盖问题解决了吗": NLU read the problem words as a new report; it asks about an earlier one.
            from actions.status import ActionCheckStatus  # status imports this module

            events = await ActionCheckStatus().run(dispatcher, tracker, domain)
            return events + [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("requested_slot", None),
                                                                             ActiveLoop(None)]
        if requested == "problem_location" and tracker.get_slot("place_asked") and no_better_place(text):
            # "不知道门牌号", "不清楚", "不用了" to "please add a door number": the place given stands (the API
            # sends a road-level place to manual triage). Never a cancel.
            return await self._then_next_slot([
                SlotSet("problem_location", tracker.get_slot("place_asked")), SlotSet("place_asked", None),
                SlotSet("report_confirmed", None), SlotSet("awaiting_correction", None)], dispatcher, tracker, domain)
        if requested == "problem_location" and no_better_place(text) and not find_place(text):
            # "不知道" to "where?" with no place yet: not a cancel, and no place called "不知道" either.
            dispatcher.utter_message(text=MSG_ROUGH_PLACE)
            return [SlotSet("place_prompted", True)]
        # Cancel at any step: "取消", "算了不报了" whatever NLU made of it (a short message saying only that), or a
        # plain "no" before there is anything to correct.
        if (is_cancel(text, requested) and (_intent(tracker) == "deny" or len(text) <= 12)) or (
                _intent(tracker) == "deny" and requested in (None, "problem_description", "problem_location")
                and not find_place(text)):
            dispatcher.utter_message(response="utter_report_cancelled")
            return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("report_confirmed", False),
                                                                    SlotSet("requested_slot", None), ActiveLoop(None)]
        return await super().run(dispatcher, tracker, domain)

    async def _then_next_slot(self, events: List[EventType], dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> List[EventType]:
        """Slots set outside validation, and the form's next question (the domain's list knows no account phone)."""
        for event in events:
            tracker.slots[event["name"]] = event["value"]
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return events + [SlotSet("requested_slot", next((s for s in required if tracker.get_slot(s) is None), None))]

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = ["problem_description"]
        if not tracker.get_slot("geo_point"):
            slots.append("problem_location")
        if not (account_phone(tracker) and not tracker.get_slot("contact_phone") and not find_phone(_text(tracker))):
            # A signed-in resident's account phone is used without asking (a number typed anyway is taken).
            slots.append("contact_phone")
        if tracker.get_slot("nearby_case_no"):
            slots.append("join_existing")
        slots.append("report_confirmed")
        return slots

    # --- custom extraction -------------------------------------------------------------------------

    async def get_extraction_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        """Also picks up a GPS fix or photos the client sent with any message, whatever was asked."""
        events = await super().get_extraction_events(dispatcher, tracker, domain)
        extracted = {event["name"] for event in events}
        for slot, extract in (("geo_point", self.extract_geo_point), ("photo_ids", self.extract_photo_ids)):
            if slot not in extracted:
                events += [SlotSet(k, v) for k, v in (await extract(dispatcher, tracker, domain)).items()]
        return events

    async def extract_problem_description(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                          domain: DomainDict) -> Dict[Text, Any]:
        """A message NLU read as a place (or a greeting) that also says what is wrong ("四川路20号门口有人占道卖菜")
        is the description too; the intake preview decides whether it is one (quietly, see below)."""
        text = _text(tracker)
        if tracker.get_slot("problem_description") or "problem_description" in tracker.slots_to_validate() \
                or text.startswith("/") or _intent(tracker) not in ("inform", "greet", "thank", "nlu_fallback"):
            return {}
        place = find_place(text) or _entity_place(tracker) or ""
        if not has_more_than_place(text, place):
            return {}
        return {"problem_description": text}

    async def extract_problem_location(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> Dict[Text, Any]:
        """The place in this message: a gazetteer name (with door number, crossing, 门口…) anywhere in it; else
        what DIET tagged as a place; else, when the question was "where?", the answer itself."""
        text = _text(tracker)
        if text.startswith("/") or _intent(tracker) in NOT_A_PLACE_INTENTS or wants_human(text) \
                or is_number_not_place(text):  # "幺五八六…": DIET may tag a piece of a spoken number as a place
            return {}
        place = find_place(text) or _entity_place(tracker)
        if not place and tracker.get_slot("requested_slot") == "problem_location" \
                and _intent(tracker) not in ("report_problem", "affirm", "greet", "thank", "goodbye"):
            place = place_answer(text)
        if not place or is_number_not_place(place):
            return {}
        return {"problem_location": place}

    async def extract_contact_phone(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        phone = find_phone(_text(tracker))
        if phone:
            return {"contact_phone": phone}
        if tracker.get_slot("requested_slot") == "contact_phone" and not is_correction(_text(tracker)) \
                and ((_intent(tracker) == "deny" and not find_place(_text(tracker))) or declines_phone(_text(tracker))):
            return {"contact_phone": NO_PHONE}
        return {}

    async def extract_geo_point(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        location = _metadata(tracker).get("location")
        if isinstance(location, dict) and "lat" in location and "lng" in location:
            return {"geo_point": {"lat": float(location["lat"]), "lng": float(location["lng"]),
                                  "crs": location.get("crs") or "wgs84"}}
        return {}

    async def extract_photo_ids(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        new_ids = _metadata(tracker).get("photo_ids")
        if not isinstance(new_ids, list) or not new_ids:
            return {}
        known = list(tracker.get_slot("photo_ids") or [])
        merged = known + [str(i) for i in new_ids if str(i) not in known]
        return {"photo_ids": merged[:9]}

    # --- validation ---------------------------------------------------------------------------------

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> List[EventType]:
        """Validates the client's GPS fix and photos too (they are not among the asked-for slots)."""
        pending = tracker.slots_to_validate()
        events: List[EventType] = []
        if "geo_point" in pending:
            result = await self.validate_geo_point(pending["geo_point"], dispatcher, tracker, domain)
            tracker.slots.update(result)
            events += [SlotSet(k, v) for k, v in result.items()]
        if "photo_ids" in pending:
            events.append(SlotSet("photo_ids", pending["photo_ids"]))
        return events + await super().get_validation_events(dispatcher, tracker, domain)

    def _preview(self, tracker: Tracker, description: str, address: Optional[str]) -> Dict[str, Any]:
        return get_api().preview(tracker.sender_id, description, address=address,
                                 location=tracker.get_slot("geo_point"))

    def _place_events(self, preview: Dict[str, Any], matter_code: Optional[str]) -> Dict[Text, Any]:
        geocode = preview.get("geocode") or {}
        nearby = _nearby_same_matter(preview, matter_code)
        return {"location_label": geocode.get("description"),
                "nearby_case_no": nearby["case_no"] if nearby else None,
                "nearby_case_info": _nearby_text(nearby) if nearby else None,
                "join_existing": None}

    async def validate_problem_description(self, value: Any, dispatcher: CollectingDispatcher,
                                           tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = str(value or "").strip()
        if is_number_not_place(text):
            # "幺三九幺二三四五六零三" read by NLU as a report: a phone or case number never says what is wrong (the
            # classifier may still name some matter for it); the description given before stands.
            return {"problem_description": _previous_value(tracker, "problem_description")}
        say_safety_advice(dispatcher, tracker, text)  # gas, fire, someone hurt: safety first, whatever follows
        address = tracker.get_slot("problem_location")
        try:
            preview = self._preview(tracker, text, address)
        except ApiError:
            say_unavailable(dispatcher)
            return {"problem_description": None}
        classification = preview.get("classification") or {}
        # A private matter (tap water, neighbours, a home) has no city matter in the preview but is still filed:
        # the report's referral tells the resident where to turn (ActionSubmitReport).
        private = preview.get("scope") or {}
        understood = bool(classification.get("in_scope") and classification.get("code")) or bool(private)
        earlier = _previous_value(tracker, "problem_description")
        if not understood and earlier and earlier != text:
            # A number or a place NLU took for a new description ("幺三九…" at the phone question): the
            # description given before stands.
            return {"problem_description": earlier}
        if not understood:
            offered = _intent(tracker) == "report_problem" or tracker.get_slot("requested_slot") == "problem_description"
            if is_opener(text) or not offered:
                # "我要反映问题": the form's own question follows, no need to apologise; a place with a few words
                # around it was only tried as a description: the form simply asks for one.
                return {"problem_description": None}
            dispatcher.utter_message(text="抱歉，我还没弄清楚是什么问题。请再具体描述一下，比如“垃圾桶满了没人清理”“井盖缺失”“路灯不亮”。")
            return {"problem_description": None, "matter_code": None, "matter_name": None}
        result: Dict[Text, Any] = {"problem_description": text, "matter_code": classification.get("code"),
                                   "matter_name": classification.get("name") or private.get("reason"),
                                   "report_confirmed": None,
                                   "awaiting_correction": None}
        if address and preview.get("geocode") and not preview.get("place_prompt"):
            # A place the API asks about (only a road, a doubtful crossing) is left to validate_problem_location:
            # its label set here would read there as "the same place again" and be accepted unasked.
            result.update(self._place_events(preview, classification.get("code")))
        return result

    async def validate_problem_location(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        address = str(value or "").strip()
        if is_number_not_place(address):
            # A phone ("139 1234 5678") or a case/tracking number (or its date part) tagged as a place by NLU:
            # keep whatever place was given before and say nothing; the phone is extracted on its own.
            return {"problem_location": _previous_value(tracker, "problem_location")}
        description = tracker.get_slot("problem_description") or ""
        asked = tracker.get_slot("place_asked")
        try:
            preview = self._preview(tracker, description or address, address)
            if preview.get("place_prompt") and not asked:
                address, preview = self._better_place_in_message(tracker, address, preview)
        except ApiError:
            say_unavailable(dispatcher)
            return {"problem_location": None}
        if not preview.get("geocode"):
            dispatcher.utter_message(text=preview.get("place_prompt") or f"抱歉，没有找到“{address}”这个地点。请说得具体一些，比如路名加门牌号，或附近的小区、商场等标志性建筑。")
            # A place asked about before stays: "不知道" after this still files it.
            return {"problem_location": None, "location_label": tracker.get_slot("location_label") if asked else None,
                    "place_prompted": True}
        label = (preview.get("geocode") or {}).get("description")
        if preview.get("place_prompt") and not asked and label != tracker.get_slot("location_label"):
            # Only a road or an area: ask once for a door number, a crossing or a landmark. Whatever place the
            # answer then names ("就在山东路上", the same road) is taken as it is, and "不知道门牌号" keeps this one
            # (see run): the API sends a place it doubts to manual triage.
            dispatcher.utter_message(text=preview["place_prompt"])
            return {"problem_location": None, "location_label": label, "place_asked": address, "place_prompted": True}
        result: Dict[Text, Any] = {"problem_location": address, "report_confirmed": None,
                                   "awaiting_correction": None, "place_asked": None}
        result.update(self._place_events(preview, tracker.get_slot("matter_code")))
        return result

    def _better_place_in_message(self, tracker: Tracker, address: str,
                                 preview: Dict[str, Any]) -> Tuple[str, Dict[str, Any]]:
        """A long message may name a place twice ("我是住在莱阳路附近的退休教师…莱阳路8号门口的下水道堵了"): the bot's
        first match is only a road, while the API's own extraction from the whole message (which skips
        self-introductions) finds a door. The more precise place wins."""
        text = _text(tracker)
        if len(normalise(text)) <= len(address) + 2:
            return address, preview
        whole = self._preview(tracker, text, None)
        geocode = whole.get("geocode") or {}
        better = str(geocode.get("matched_name") or geocode.get("description") or "").strip()
        if not geocode or whole.get("place_prompt") or not better or better == address:
            return address, preview
        return better, self._preview(tracker, tracker.get_slot("problem_description") or text, better)

    async def validate_geo_point(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        description = tracker.get_slot("problem_description") or "位置"
        try:
            preview = get_api().preview(tracker.sender_id, description, location=value)
        except ApiError:
            say_unavailable(dispatcher)
            return {"geo_point": None}
        if not preview.get("geocode"):
            dispatcher.utter_message(text="抱歉，您发送的定位不在本市服务范围内，请用文字告诉我地址。")
            return {"geo_point": None}
        result: Dict[Text, Any] = {"geo_point": value, "report_confirmed": None, "awaiting_correction": None}
        result.update(self._place_events(preview, tracker.get_slot("matter_code")))
        return result

    async def validate_contact_phone(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value == NO_PHONE or find_phone(str(value)):
            return {"contact_phone": value, "report_confirmed": None}
        dispatcher.utter_message(text="这个号码好像不对，请输入11位手机号，或者说“不用”。")
        return {"contact_phone": None}

    async def validate_report_confirmed(self, value: Any, dispatcher: CollectingDispatcher,
                                        tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is True:
            if not looks_like_yes(_text(tracker)):
                # DIET is confident on nonsense too; filing needs a recognisable "yes" (or the button).
                dispatcher.utter_message(text="请回复“对”确认提交，或回复“不对”进行修改。")
                return {"report_confirmed": None}
            return {"report_confirmed": True}
        changed = set(tracker.slots_to_validate()) & {"problem_description", "problem_location", "contact_phone"}
        # "不对，是在江西路15号": the new place (or description, phone) is the correction; read back again.
        return {"report_confirmed": None, "awaiting_correction": None if changed else True}

    async def validate_join_existing(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        if value is True and not looks_like_yes(_text(tracker)):
            dispatcher.utter_message(text="请回复“是”并入已有案件，或回复“不是”单独反映。")
            return {"join_existing": None}
        return {"join_existing": value, "report_confirmed": None}


def summary_text(tracker: Tracker) -> str:
    """'您反映的是【暴露垃圾】问题，位置在【香港中路12号附近】，对吗？' plus join/phone details."""
    matter = tracker.get_slot("matter_name") or "城市管理"
    place = tracker.get_slot("location_label") or tracker.get_slot("problem_location") or "您发送的定位"
    parts = [f"您反映的是【{matter}】问题，位置在【{place}】"]
    photos = tracker.get_slot("photo_ids") or []
    if photos:
        parts.append(f"附照片{len(photos)}张")
    phone = tracker.get_slot("contact_phone")
    if phone and phone != NO_PHONE:
        parts.append(f"联系电话{phone_shown(phone)}")  # masked: the chat may be read over a shoulder
    elif not phone and account_phone(tracker):
        parts.append(f"联系电话{account_phone(tracker)}（您账号的手机号）")
    if tracker.get_slot("join_existing") and tracker.get_slot("nearby_case_no"):
        parts.append(f"将并入已在处理的案件{tracker.get_slot('nearby_case_no')}")
    return "，".join(parts) + "，对吗？"


class ActionAskReportConfirmed(Action):
    """Reads back what was understood, or asks what to change after a 'no'."""

    def name(self) -> Text:
        return "action_ask_report_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("awaiting_correction"):
            dispatcher.utter_message(text="好的，请告诉我需要修改的内容：可以直接说新的地点（如“地点是山东路28号”），"
                                          "重新描述问题，或者说“取消”。")
            return []
        dispatcher.utter_message(text=summary_text(tracker), buttons=[
            {"title": "对，提交", "payload": "/affirm"}, {"title": "不对，修改", "payload": "/deny"}])
        return []


def _set_this_turn(tracker: Tracker, slot: str) -> bool:
    """The slot was set to a true value since the latest user message (by this turn's validation)."""
    for event in reversed(list(tracker.events)):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == slot:
            return bool(event.get("value"))
    return False


class ActionAskProblemLocation(Action):
    """Asks where, unless this turn's validation already asked (a place prompt, "没有找到…这个地点"): one question."""

    def name(self) -> Text:
        return "action_ask_problem_location"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if _set_this_turn(tracker, "place_prompted"):
            return [SlotSet("place_prompted", None)]
        dispatcher.utter_message(response="utter_ask_problem_location")
        return []


class ActionAskContactPhone(Action):
    """Asks for a phone; after a bare yes ("好的", "可以") asks for the number itself."""

    def name(self) -> Text:
        return "action_ask_contact_phone"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("requested_slot") == "contact_phone" and is_only_yes(_text(tracker)):
            dispatcher.utter_message(text="好的，请直接发送您的手机号（11位数字）。")
        else:
            dispatcher.utter_message(response="utter_ask_contact_phone")
        return []


def idempotency_key(tracker: Tracker) -> str:
    """Same key for the same confirmation turn, so a retried action never files twice."""
    user_turns = sum(1 for event in tracker.events if event.get("event") == "user")
    raw = f"{tracker.sender_id}:{user_turns}:{tracker.get_slot('problem_description')}"
    return "chatbot-" + hashlib.sha256(raw.encode()).hexdigest()[:40]


class ActionSubmitReport(Action):
    """Files the confirmed report (or acknowledges the cancellation) and clears the form."""

    def name(self) -> Text:
        return "action_submit_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if tracker.get_slot("report_confirmed") is not True:
            return reset
        payload: Dict[str, Any] = {"description": tracker.get_slot("problem_description"), "channel": SOURCE_CHATBOT}
        if tracker.get_slot("problem_location"):
            payload["address"] = tracker.get_slot("problem_location")
        if tracker.get_slot("geo_point"):
            payload["location"] = tracker.get_slot("geo_point")
        if tracker.get_slot("photo_ids"):
            payload["photo_ids"] = tracker.get_slot("photo_ids")
        phone = tracker.get_slot("contact_phone")
        if phone and phone != NO_PHONE:
            payload["contact"] = {"phone": phone}
        if tracker.get_slot("matter_code"):
            payload["category_hint"] = tracker.get_slot("matter_code")
        join_case = tracker.get_slot("nearby_case_no") if tracker.get_slot("join_existing") else None
        if join_case:
            payload["join_case_no"] = join_case
        try:
            report = get_api().create_report(tracker.sender_id, payload, idempotency_key(tracker))
        except ApiError as exc:
            if exc.unavailable:
                dispatcher.utter_message(text=MSG_UNAVAILABLE)
            else:
                dispatcher.utter_message(text=f"抱歉，提交没有成功：{exc.message or '信息有误'}。请修改后重新反映。")
            return reset
        dispatcher.utter_message(text=filed_text(report, join_case))
        tracking_no = report.get("tracking_no")
        return reset + [SlotSet("last_report_id", str(report.get("id") or tracking_no)),
                        SlotSet("last_tracking_no", tracking_no)]


def filed_text(report: Dict[str, Any], join_case: Optional[str]) -> str:
    """What the API says about the new report: registered (已立案) only when it is, else received (待分拣),
    with the referral when intake found the matter belongs elsewhere (居委会/物业/12345/110)."""
    tracking_no = report.get("tracking_no")
    status = report.get("status")
    # The API says what came of join_case_no in `join` (merged only when it is the same problem nearby;
    # joined null: still being received); an API without `join` merged it whenever it filed it.
    join = report.get("join") if isinstance(report.get("join"), dict) else None
    joined = bool(join_case and report.get("case_no") and (join is None or join.get("joined") is True))
    if joined:
        text = f"已将您的反映并入案件{report['case_no']}，受理编号{tracking_no}。处理进展会同步通知您。"
    elif join_case and join and join.get("message"):
        text = f"已为您提交，受理编号{tracking_no}。{join['message']}。"
    # "received" right after filing waits for a person to triage it; any status of REGISTERED_STATUSES means
    # intake registered the case itself (or the report joined one that is being handled).
    elif status in REGISTERED_STATUSES and report.get("case_no"):
        text = f"已为您提交，受理编号{tracking_no}。已立案，案件号{report['case_no']}。"
    else:
        text = (f"已为您提交，受理编号{tracking_no}。目前状态：{report.get('status_text') or '已受理'}，"
                "正在等待工作人员分拣，立案后会通知您。")
    if report.get("referral"):
        text += f"温馨提示：{report['referral']}"
        if not text.endswith(("。", "！", "？")):
            text += "。"
    return text + "发送受理编号或说“我上次反映的问题”即可查询进度。"


class ActionResetReport(Action):
    """Drops a half-filled report (the resident left the form, e.g. by saying goodbye)."""

    def name(self) -> Text:
        return "action_reset_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[EventType]:
        if tracker.get_slot("problem_description") or tracker.get_slot("problem_location"):
            dispatcher.utter_message(response="utter_report_cancelled")
        return [SlotSet(slot, None) for slot in FORM_SLOTS]
