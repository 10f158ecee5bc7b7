"""Duplicate scoring rules (pure)."""

from datetime import UTC, datetime, timedelta

import pytest

from intake.duplicates import DupInput, alike_matters, problem_text, rank_duplicates, score_pair, text_similarity
from intake.geo.distance import destination

NOW = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
BASE = (36.0620, 120.3846)


def _at(metres: float, code: str, text: str = "", bearing: float = 90.0, age_days: float = 0.0, ref=None):
    lat, lng = destination(*BASE, bearing, metres)
    return DupInput(code, lat, lng, text, NOW - timedelta(days=age_days), ref)


def test_same_matter_within_radius_is_duplicate_whatever_the_text():
    new = _at(0, "06010", "这里垃圾很多")
    s = score_pair(new, _at(30, "06010", "路边暴露垃圾没人管"))
    assert s.same_matter and s.same_major and s.is_duplicate
    assert s.distance_m == pytest.approx(30.0, abs=0.1)


def test_same_matter_outside_radius_is_not():
    assert not score_pair(_at(0, "06010"), _at(80, "06010")).is_duplicate
    assert score_pair(_at(0, "06010"), _at(80, "06010"), radius_m=100).is_duplicate


def test_same_major_needs_similar_text():
    new = _at(0, "06010", "小区门口垃圾桶满了没人清理")
    similar = _at(20, "06011", "门口的垃圾桶已经满溢了，一直没人清理")
    unrelated = _at(20, "06011", "有人在路边烧树叶冒黑烟")
    s_sim, s_unrel = score_pair(new, similar), score_pair(new, unrelated)
    assert s_sim.same_major and not s_sim.same_matter and s_sim.is_duplicate
    assert s_unrel.same_major and not s_unrel.is_duplicate
    assert s_sim.text_similarity > s_unrel.text_similarity


def test_other_major_class_is_never_duplicate_even_with_same_text():
    new = _at(0, "06010", "香港中路12号门口问题")
    assert not score_pair(new, _at(5, "09001", "香港中路12号门口问题")).is_duplicate


def test_missing_matter_code_never_matches():
    s = score_pair(_at(0, None, "垃圾"), _at(0, None, "垃圾"))
    assert not s.same_matter and not s.same_major and not s.is_duplicate


def test_text_similarity_ignores_punctuation_fillers_and_phone_numbers():
    a = "你好，井盖坏了！电话13912345678"
    b = "井盖坏了"
    assert text_similarity(a, b) == 1.0
    assert text_similarity("井盖坏了", "路灯不亮") == 0.0
    assert text_similarity("", "井盖坏了") == 0.0


def test_rank_orders_same_matter_then_distance_and_filters_age_and_radius():
    new = _at(0, "06010", "垃圾桶满了", age_days=0)
    cands = [
        _at(40, "06010", "垃圾", ref="far-same"),
        _at(10, "06011", "垃圾桶满了", ref="near-major"),
        _at(15, "06010", "垃圾", ref="near-same"),
        _at(5, "06010", "垃圾", age_days=30, ref="too-old"),
        _at(200, "06010", "垃圾", ref="too-far"),
        _at(3, "08001", "工地扬尘", ref="other"),
    ]
    ranked = rank_duplicates(new, cands, radius_m=50, max_age_days=7)
    assert [s.candidate.ref for s in ranked] == ["near-same", "far-same", "near-major"]
    everything = rank_duplicates(new, cands, radius_m=50, max_age_days=None)
    assert "too-old" in [s.candidate.ref for s in everything]


def test_rank_radius_per_matter_overrides_default():
    new = _at(0, "06010", "垃圾")
    cands = [_at(90, "06010", "垃圾", ref="x")]
    assert rank_duplicates(new, cands) == []
    assert [s.candidate.ref for s in rank_duplicates(new, cands, radius_for={"06010": 100.0})] == ["x"]


# Issue 17 item 1: the address must not make two problems alike.


def test_two_matters_of_one_major_class_at_one_door_are_different_problems():
    light = _at(0, "01037", "南京路10号门口路灯不亮了")
    gas = _at(5, "01011", "南京路10号门口燃气井盖没了")
    score = score_pair(gas, light)
    assert score.same_major and not score.is_duplicate
    assert not score_pair(_at(5, "01011", "南京路10号门口"), _at(0, "01037", "南京路10号门口")).is_duplicate


def test_the_address_does_not_count_in_the_text_likeness():
    a = problem_text("南京路10号门口垃圾桶满了", ["南京路"])
    b = problem_text("南京路10号门口地上一堆建筑渣土", ["南京路"])
    assert "南京路" not in a and "10号" not in a
    assert not score_pair(_at(5, "06011", b), _at(0, "06042", a)).is_duplicate
    assert text_similarity("南京路10号门口垃圾桶满了", "南京路10号门口地上一堆建筑渣土") > text_similarity(a, b)


def test_alike_matters_with_the_same_problem_text_still_merge():
    assert alike_matters("06010", "06042") and not alike_matters("01037", "01011")
    new = _at(5, "06042", problem_text("五四广场旁边垃圾桶满了没人清理", ["五四广场"]))
    old = _at(0, "06010", problem_text("五四广场垃圾桶满了一直没人清理", ["五四广场"]))
    assert score_pair(new, old).is_duplicate
