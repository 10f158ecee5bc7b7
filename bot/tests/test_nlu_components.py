"""NLU pipeline components trained on the real data: unknown words (components/unknown_words.py), phones in groups
as one token (components/tokenizer.py)."""
from pathlib import Path
from typing import Iterator, List

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.importers.rasa import RasaFileImporter
from rasa.shared.nlu.training_data.message import Message

from components.tokenizer import PhoneJiebaTokenizer
from components.unknown_words import UnknownWords, is_unknown, words

BOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple]:
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    context = ExecutionContext(GraphSchema({}), "test")
    tokenizer = PhoneJiebaTokenizer.create({**PhoneJiebaTokenizer.get_default_config(),
                                            "dictionary_path": str(BOT / "dictionary")},
                                           storage, Resource("tokenizer"), context)
    data = RasaFileImporter(config_file=str(BOT / "config.yml"), domain_path=str(BOT / "domain.yml"),
                            training_data_paths=[str(BOT / "data")]).get_nlu_data()
    tokenizer.process_training_data(data)
    component = UnknownWords.create({}, storage, Resource("unknown_words"), context)
    component.train(data)
    loaded = UnknownWords.load({}, storage, Resource("unknown_words"), context)
    yield tokenizer, loaded


def judged(trained: tuple, text: str) -> Message:
    tokenizer, component = trained
    message = Message(data={"text": text})
    tokenizer.process([message])
    message.set("intent", {"name": "goodbye", "confidence": 0.93}, add_to_output=True)
    message.set("intent_ranking", [{"name": "goodbye", "confidence": 0.93},
                                   {"name": "affirm", "confidence": 0.05}], add_to_output=True)
    component.process([message])
    return message


@pytest.mark.parametrize("text", ["xyzzy plugh", "foo bar baz", "asdfghjkl", "zzzzzz", "qwerty uiop"])
def test_nonsense_loses_its_confidence(trained: tuple, text: str) -> None:
    message = judged(trained, text)
    assert message.get("intent")["confidence"] == 0.0
    assert all(entry["confidence"] == 0.0 for entry in message.get("intent_ranking"))


@pytest.mark.parametrize("text", [
    "好的谢谢", "再见", "井盖没了", "八大峡那边", "莒县路有个坑",  # a known word, or a gazetteer place
    "13912345678", "C370202-20261124-00017",  # matched by a regex (phone, case number)
    "123", "幺三九幺二三四五六零三",  # no words at all (digits, also spoken): not judged
])
def test_known_words_keep_what_diet_said(trained: tuple, text: str) -> None:
    assert judged(trained, text).get("intent")["confidence"] == 0.93


def test_a_phone_in_groups_is_one_token(trained: tuple) -> None:
    tokenizer, _ = trained
    for text, phone in [("手机139 1234 5678", "139 1234 5678"), ("电话139-1234-5678你记一下", "139-1234-5678"),
                        ("打这个+86 150 6321 7788", "+86 150 6321 7788"), ("１３９１２３４５６７８", "１３９１２３４５６７８")]:
        message = Message(data={"text": text})
        tokenizer.process([message])
        assert phone in [t.text for t in message.get("text_tokens")], text


def test_words_leave_out_numbers_and_punctuation() -> None:
    assert words(["Foo", "，", "123", " ", "路灯"]) == ["foo", "路灯"]
    assert not is_unknown([], {"x"})
    assert is_unknown(["foo"], {"bar"})
