"""Content first: a greeting or a thank-you in front of a real request does not make the message small talk.

"你好，福州南路和南京路路口有个井盖没了，很危险…" reads to DIET partly as a greeting, and when `greet` wins the bot
answers the greeting and the report is lost. Residents open with a greeting all the time, so when the message
goes on after its greeting or thanks, the intent DIET ranks best among the substantive ones is used instead.
Runs after DIETClassifier and before FallbackClassifier (which still catches content DIET does not understand).
"""
from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

SMALL_TALK = {"greet", "thank"}
# Intents that only answer the bot or close the chat: never what the rest of a greeting message is about.
NOT_CONTENT = SMALL_TALK | {"affirm", "deny", "goodbye", "nlu_fallback"}
# Greetings, thanks and the yes-words that go with them ("好的谢谢", "行，谢了"): none of them is content.
OPENING_RE = re.compile(
    r"^(?:(?:你好|您好|你们好|大家好|喂+|哈喽|哈啰|嗨|hello|hi|在吗|在不在|有人吗|客服|小助手|师傅|同志|领导|"
    r"早上好|上午好|中午好|下午好|晚上好|谢谢|多谢|谢了|谢啦|感谢|辛苦了|打扰(?:一下|了)?|"
    r"好的|好嘞|好|行|成|可以|okay|ok|嗯+|啊|呀|哎|唉|诶|你们|大家|你|您)[\s,，。.!！?？~～、…]*)+",
    re.IGNORECASE)
# The same words anywhere in the message, with the particles and pronouns around them: "辛苦你们了",
# "你好，请问有人在吗" say nothing more than their greeting or thanks.
SMALL_TALK_WORDS_RE = re.compile(
    r"你好|您好|你们好|大家好|喂+|哈喽|哈啰|嗨|hello|hi|请问|有人在吗|有人在不在|有人吗|在吗|在不在|客服|小助手|"
    r"师傅|同志|领导|早上好|上午好|中午好|下午好|晚上好|早安|早啊|谢谢|多谢|谢了|谢啦|感谢|辛苦|麻烦|打扰|"
    r"好的|好嘞|好|行|成|可以|okay|ok|嗯+|啊|呀|哎|唉|诶|你们|大家|你|您|了|啦|吧|呢|哈|[\W_]",
    re.IGNORECASE)
MIN_CONTENT_CHARS = 3


def content_after_opening(text: str) -> str:
    """What the message says after its greeting or thanks ("" when it is only that)."""
    return OPENING_RE.sub("", (text or "").strip(), count=1).strip()


def beyond_small_talk(text: str) -> str:
    """What is left of the message without its greeting, thanks and yes-words, wherever they stand."""
    return SMALL_TALK_WORDS_RE.sub("", text or "")


def substantive_intent(ranking: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    for entry in ranking:
        if entry.get(INTENT_NAME_KEY) not in NOT_CONTENT:
            return entry
    return None


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class ContentFirst(GraphComponent):
    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "ContentFirst":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._reconsider(message)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    @staticmethod
    def _reconsider(message: Message) -> None:
        intent = message.get(INTENT) or {}
        if intent.get(INTENT_NAME_KEY) not in SMALL_TALK:
            return
        text = message.get(TEXT) or ""
        if len(content_after_opening(text)) < MIN_CONTENT_CHARS or len(beyond_small_talk(text)) < MIN_CONTENT_CHARS:
            return
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        chosen = substantive_intent(ranking)
        if chosen is None:
            return
        # The greeting's confidence is DIET's confidence that it understood the message; the content is what the
        # message is for, so it takes over that confidence (else FallbackClassifier would discard it).
        confidence = max(float(chosen.get(PREDICTED_CONFIDENCE_KEY) or 0.0),
                         float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0))
        new_top = {INTENT_NAME_KEY: chosen[INTENT_NAME_KEY], PREDICTED_CONFIDENCE_KEY: confidence}
        rest = [e for e in ranking if e.get(INTENT_NAME_KEY) != chosen[INTENT_NAME_KEY]]
        message.set(INTENT, new_top, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [new_top] + rest, add_to_output=True)
