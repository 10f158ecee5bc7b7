"""A session idle past its expiry: Rasa's own session start, run with this bot's domain."""
from __future__ import annotations

import asyncio
from pathlib import Path

from rasa.core.actions.action import ActionSessionStart
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[1] / "domain.yml"))


def test_new_session_drops_the_half_filled_report() -> None:
    sender = "citizen:7"
    tracker = DialogueStateTracker.from_events(sender, [
        ActionExecuted(ACTION_LISTEN_NAME),
        UserUttered("垃圾桶满了没人清理", {"name": "report_problem", "confidence": 0.98}),
        ActionExecuted("report_form"), ActiveLoop("report_form"),
        SlotSet("problem_description", "垃圾桶满了没人清理"), SlotSet("matter_code", "03005"),
        SlotSet("problem_location", "香港中路12号"), SlotSet("contact_phone", "13912345678"),
        SlotSet("photo_ids", ["p1"]), SlotSet("geo_point", {"lat": 36.06, "lng": 120.38}),
        SlotSet("requested_slot", "report_confirmed"),
    ], slots=DOMAIN.slots)
    events = asyncio.run(ActionSessionStart().run(
        CollectingOutputChannel(), TemplatedNaturalLanguageGenerator(DOMAIN.responses), tracker, DOMAIN))
    tracker.update_with_events(events, DOMAIN)
    assert tracker.sender_id == sender  # who the resident is comes from the sender id, kept
    assert tracker.active_loop_name is None
    leftover = {name: slot.value for name, slot in tracker.slots.items() if slot.value not in (None, [], False)}
    assert leftover == {}
