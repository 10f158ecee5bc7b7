"""Unknown words: a message made only of words the bot was never trained on is not understood.

DIETClassifier always ranks some intent first, and with character n-gram features it is often very sure of a
message it cannot know anything about ("xyzzy plugh" → goodbye 0.9, "zzzzzz" → affirm 0.95). Tuning the fallback
threshold or picking nonsense that happens to fall under it breaks again with every retraining. This component
remembers the words of the training data (examples, lookup tables such as the gazetteer's place names, synonyms)
and, when not one word of a message is among them and nothing in it matched a regex (phone, case number…),
sets the intent's confidence to 0 so that FallbackClassifier, which runs next, answers "did not understand".
A message with even one known word is left to DIET: residents write freely, and a single known word ("井盖",
"路灯", a road) is enough for the form to work with.
"""
from __future__ import annotations

import json
import re
from typing import Any, Dict, Iterable, List, Optional, Set, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

VOCABULARY_FILE = "vocabulary.json"
# Digits (also spoken: 幺三九…), punctuation and spaces say nothing about what a message means (a phone number is
# found by regex or by the form).
NEUTRAL_RE = re.compile(r"^[\W\d_零〇一二两三四五六七八九十百千幺]+$")


def words(tokens: Iterable[Any]) -> List[str]:
    """The message's words (lower case), without numbers and punctuation."""
    found = []
    for token in tokens:
        text = str(getattr(token, "text", token)).strip().lower()
        if text and not NEUTRAL_RE.match(text):
            found.append(text)
    return found


def is_unknown(message_words: List[str], vocabulary: Set[str]) -> bool:
    """Whether every word is unknown; a message with no words at all (only digits, emoji…) is not judged here."""
    return bool(message_words) and not any(w in vocabulary for w in message_words)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class UnknownWords(GraphComponent):
    def __init__(self, model_storage: ModelStorage, resource: Resource,
                 vocabulary: Optional[Set[str]] = None, patterns: Optional[List[str]] = None) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self.vocabulary: Set[str] = set(vocabulary or ())
        self.patterns: List[re.Pattern] = [re.compile(p, re.IGNORECASE) for p in patterns or ()]
        self._pattern_sources: List[str] = list(patterns or ())

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "UnknownWords":
        return cls(model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "UnknownWords":
        try:
            with model_storage.read_from(resource) as directory:
                stored = json.loads((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        except ValueError:  # never trained (no NLU data): judge nothing
            return cls(model_storage, resource)
        return cls(model_storage, resource, set(stored["vocabulary"]), list(stored["patterns"]))

    def train(self, training_data: TrainingData) -> Resource:
        vocabulary: Set[str] = set()
        for example in training_data.training_examples:
            tokens = example.get(TOKENS_NAMES[TEXT])
            if tokens:
                vocabulary.update(words(tokens))
        for table in training_data.lookup_tables:
            vocabulary.update(str(e).strip().lower() for e in table.get("elements") or [] if str(e).strip())
        vocabulary.update(str(s).strip().lower() for s in training_data.entity_synonyms)
        patterns = [str(r["pattern"]) for r in training_data.regex_features]
        self.vocabulary, self._pattern_sources = vocabulary, patterns
        self.patterns = [re.compile(p, re.IGNORECASE) for p in patterns]
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(
                json.dumps({"vocabulary": sorted(vocabulary), "patterns": patterns}, ensure_ascii=False),
                encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self.vocabulary:
            for message in messages:
                self._judge(message)
        return messages

    def _judge(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        if any(p.search(text) for p in self.patterns):
            return
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        if not is_unknown(words(tokens), self.vocabulary):
            return
        intent = dict(message.get(INTENT) or {})
        if not intent:
            return
        intent[PREDICTED_CONFIDENCE_KEY] = 0.0
        ranking = [{**entry, PREDICTED_CONFIDENCE_KEY: 0.0} for entry in message.get(INTENT_RANKING_KEY) or []]
        message.set(INTENT, intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
