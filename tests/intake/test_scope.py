"""Private and property-managed reports (issue 17 item 7) and the triage decision (item 6), pure."""

import pytest

from intake.scope import OUT_OF_SCOPE, PROPERTY_MANAGED, REFERRAL_NOT_CITY, assess_scope
from intake.triage import (
    LOW_CONFIDENCE,
    NO_PLACE,
    OUTSIDE_AREA,
    PRIVATE_MATTER,
    PROPERTY_MATTER,
    UNCERTAIN_PLACE,
    VAGUE_PLACE,
    PlaceFacts,
    decide,
)

HERE = PlaceFacts(located=True, in_area=True)


@pytest.mark.parametrize(("text", "code", "referral_words"), [
    ("楼上邻居天天晚上打麻将，吵得睡不着", "06028", ("110", "居委会")),
    ("隔壁人家吵架摔东西", None, ("110", "12345")),
    ("楼下住户装修，电钻从早响到晚", "06028", ("物业",)),
    ("家里的自来水发黄，还有沉淀", "01001", ("自来水公司", "供水")),
    ("水龙头流出来的水浑浊有异味", "01001", ("自来水公司",)),
    ("家里卫生间天花板漏水", None, ("物业",)),
])
def test_homes_neighbours_and_tap_water_are_not_city_matters(text, code, referral_words):
    finding = assess_scope(text, code)
    assert finding is not None and finding.kind == OUT_OF_SCOPE
    for word in referral_words:
        assert word in finding.referral


@pytest.mark.parametrize(("text", "code"), [
    ("小区里的路灯坏了，物业不管", "01037"),
    ("我们小区院内垃圾堆了好几天", "06010"),
    ("小区绿化带的树死了", "04002"),
])
def test_compound_matters_are_the_property_companys(text, code):
    finding = assess_scope(text, code)
    assert finding is not None and finding.kind == PROPERTY_MANAGED and "物业" in finding.referral


@pytest.mark.parametrize(("text", "code"), [
    ("小区门口的垃圾桶满了", "06042"),  # the street outside the gate
    ("香港中路上的路灯不亮了", "01037"),
    ("工地晚上施工噪音太大", "08001"),
    ("小区里有人私搭乱建", "06001"),  # illegal building is the city's even inside a compound
    ("小区消防通道被车堵了", "09012"),
    ("路边饭店装修占道堆放建筑垃圾", "06002"),
])
def test_street_matters_stay_city_matters(text, code):
    assert assess_scope(text, code) is None


def test_only_a_confident_in_scope_report_placed_in_the_area_is_registered_automatically():
    assert decide(in_scope=True, confidence=0.95, threshold=0.9, scope=None, place=HERE).auto_register
    cases = [
        (dict(confidence=0.5), LOW_CONFIDENCE),
        (dict(place=PlaceFacts(located=False, in_area=False)), NO_PLACE),
        (dict(place=PlaceFacts(located=True, in_area=False)), OUTSIDE_AREA),
        (dict(place=PlaceFacts(located=False, in_area=False, issue=OUTSIDE_AREA, detail="崂山区")), OUTSIDE_AREA),
        (dict(place=PlaceFacts(located=False, in_area=False, issue=UNCERTAIN_PLACE)), UNCERTAIN_PLACE),
        (dict(place=PlaceFacts(located=True, in_area=True, spot=False, detail="香港中路")), VAGUE_PLACE),
        (dict(scope=assess_scope("邻居吵架", None)), PRIVATE_MATTER),
        (dict(scope=assess_scope("小区里路灯坏了", "01037")), PROPERTY_MATTER),
    ]
    for change, reason in cases:
        args = dict(in_scope=True, confidence=0.95, threshold=0.9, scope=None, place=HERE) | change
        decision = decide(**args)
        assert not decision.auto_register and reason in decision.reasons, reason
        assert len(decision.notes) == len(decision.reasons)
    named = decide(in_scope=True, confidence=1.0, threshold=0.9, scope=None,
                   place=PlaceFacts(located=False, in_area=False, issue=OUTSIDE_AREA, detail="崂山区"))
    assert "崂山区" in named.notes[0]
    road = decide(in_scope=True, confidence=1.0, threshold=0.9, scope=None,
                  place=PlaceFacts(located=True, in_area=True, spot=False, detail="香港中路"))
    assert road.reasons == (VAGUE_PLACE,) and "香港中路" in road.notes[0]


def test_a_confident_out_of_scope_verdict_refers_the_resident_to_the_citizen_hotline():
    decision = decide(in_scope=False, confidence=1.0, threshold=0.9, scope=None, place=HERE)
    assert not decision.auto_register and decision.referral == REFERRAL_NOT_CITY and "12345" in decision.referral
    in_scope = decide(in_scope=True, confidence=0.95, threshold=0.9, scope=None, place=HERE)
    assert in_scope.referral is None
    tap = assess_scope("家里自来水发黄", None)
    assert decide(in_scope=False, confidence=1.0, threshold=0.9, scope=tap, place=HERE).referral == tap.referral
