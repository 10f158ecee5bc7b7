"""Every text a resident receives, rendered with realistic values: punctuation and SMS length.

An SMS segment holds 70 Chinese characters; a longer text goes as parts of 67. What a resident reads before
the link must fit one segment, so that the news itself never arrives split.
"""

from __future__ import annotations

import math
import re

import pytest

from service_api.messages import OUT_OF_SCOPE_HINT, TEMPLATES, VOICE, render, say

SEGMENT, PART = 70, 67
LINK = "https://12319.qingdao.gov.cn/r/R20261124000017"
RATING_LINK = LINK + "?t=MTIzNDU2.Zk3s9pQ1xJ0m2LwA8bYc4TnHf6E"
VALUES = {
    "tracking_no": "R20261124000017", "case_no": "C370202-20261124-00017", "link": LINK,
    "reason": "不属于城市管理范围", "hint": OUT_OF_SCOPE_HINT, "department": "市南区市政设施服务中心",
    "deadline": "11月24日18:00", "outcome": "已补装井盖并设置警示标志。", "ref": "C370202-20261124-00017",
    "status": "处置中", "detail": "处置时限11月24日18:00。", "rating_text": "满意", "extra": "我们已将案件转交复核。",
    "message": "评价提交已超过7天，不能再修改",
}
SURVEY_KINDS = {"survey", "survey_link", "survey_reminder", "survey_link_reminder"}
# Kinds whose text before the link may run past one segment: a refusal explains itself with a hint.
LONG_KINDS = {"rejected"}


def rendered(kind: str) -> str:
    values = dict(VALUES, link=RATING_LINK if kind in SURVEY_KINDS else LINK)
    return render(kind, **values)


def segments(text: str) -> int:
    return 1 if len(text) <= SEGMENT else math.ceil(len(text) / PART)


@pytest.mark.parametrize("kind", sorted(TEMPLATES))
def test_each_message_reads_cleanly(kind):
    text = rendered(kind)
    print(f"{kind}: {text}")
    assert text.startswith("【城市管理】")
    assert "{" not in text and "}" not in text
    assert not re.search(r"[。，、；：！？][。，、；：！？]", text), text
    assert not re.search(r"\s", text), text  # no stray spaces
    news = text.split("http")[0]
    assert news.endswith(("。", "：", "！", "？")), news  # the link never runs on from an open sentence
    if kind not in LONG_KINDS:
        assert len(news) <= SEGMENT, (len(news), news)
    assert segments(text) <= 3, (len(text), text)


def test_an_outcome_that_ends_its_own_sentence_gets_one_full_stop():
    assert "井盖。" in render("resolved", case_no="C1", outcome="已补装井盖。", link=LINK)
    assert "。。" not in render("resolved", case_no="C1", outcome="已补装井盖。\n", link=LINK)
    assert "！。" not in render("resolved", case_no="C1", outcome="已补装井盖！", link=LINK)
    assert " " not in render("resolved", case_no="C1", outcome="  已补装井盖 ", link=LINK)


@pytest.mark.parametrize("key", sorted(VOICE))
def test_each_voice_prompt_reads_cleanly(key):
    text = say(key, tracking_digits="2 0 2 6 1 1 2 4 0 0 0 0 1 7", ref_digits="3 7 0 2 0 2", status="处置中",
               detail="处置时限11月24日18:00。", case_digits="3 7 0 2 0 2", outcome="已补装井盖")
    print(f"{key}: {text}")
    assert "{" not in text and not re.search(r"[。，、；：！？][。，、；：！？]", text), text
