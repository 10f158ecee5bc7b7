"""A greeting or thanks in front of a report does not make the message small talk (components/content_first.py)."""
from typing import List, Tuple

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.content_first import ContentFirst, content_after_opening


def parsed(text: str, ranking: List[Tuple[str, float]]) -> Message:
    message = Message(data={"text": text})
    message.set("intent", {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    return message


def test_a_report_after_a_greeting_is_a_report() -> None:
    message = parsed("你好，福州南路和南京路路口有个井盖没了，很危险，我电话139-1234-5678",
                     [("greet", 0.62), ("report_problem", 0.30), ("inform", 0.05)])
    ContentFirst().process([message])
    assert message.get("intent") == {"name": "report_problem", "confidence": 0.62}
    assert [r["name"] for r in message.get("intent_ranking")][:2] == ["report_problem", "greet"]


def test_thanks_then_a_new_report() -> None:
    message = parsed("谢谢你们上回帮忙。这回是云霄路16号门口有人乱贴小广告",
                     [("thank", 0.55), ("affirm", 0.2), ("report_problem", 0.2)])
    ContentFirst().process([message])
    assert message.get("intent")["name"] == "report_problem"


@pytest.mark.parametrize("text", ["你好", "您好！", "谢谢", "你好，在吗？", "喂，你好啊", "谢谢，辛苦了",
                                  "好的谢谢", "好的，谢谢你", "行，谢了", "辛苦你们了", "你好，请问有人在吗"])
def test_a_greeting_alone_stays_a_greeting(text: str) -> None:
    message = parsed(text, [("greet", 0.9), ("report_problem", 0.05)])
    ContentFirst().process([message])
    assert message.get("intent")["name"] == "greet"


def test_other_intents_are_left_alone() -> None:
    message = parsed("对，就是这个", [("affirm", 0.8), ("inform", 0.1)])
    ContentFirst().process([message])
    assert message.get("intent")["name"] == "affirm"


def test_content_after_opening() -> None:
    assert content_after_opening("喂你好，我要反映一下") == "我要反映一下"
    assert content_after_opening("您好，请问在吗？") == "请问在吗？"
    assert content_after_opening("你好你好") == ""
    assert content_after_opening("好的谢谢") == ""
