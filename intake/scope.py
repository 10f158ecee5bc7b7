"""Is a report a city-management matter at all, or a private one? (pure)

The classifier reads *what* is wrong ("路灯不亮", "噪音大"); it cannot tell a street light on the road from one
inside a residential compound, or a noisy construction site from neighbours playing mahjong. Those are not
city cases: problems inside homes and between neighbours are private (mediation, the police for disturbances),
tap water is the water company's service, and the shared parts of a residential compound are run by its
property company (物业). This module spots them from the wording so intake never registers them on its own
and the resident is told where to go.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Kinds of finding; `out_of_scope` ones are not city matters at all, `property_managed` ones usually go to the
# property company but a person decides (an old compound without one is the community's).
OUT_OF_SCOPE = "out_of_scope"
PROPERTY_MANAGED = "property_managed"

REFERRAL_NEIGHBOURS = (
    "邻里之间的吵闹、纠纷不属于城市管理案件：可请所在社区居委会调解，或拨打12345市民热线反映；"
    "如正在发生打架、深夜聚众喧哗等扰乱秩序的情况，请直接拨打110报警。"
)
REFERRAL_RENOVATION = (
    "住宅楼内的室内装修噪声请先联系小区物业劝阻（物业负责告知装修时间规定并制止违规施工）；"
    "劝阻无效或在夜间、休息日施工影响休息的，可拨打12345市民热线或110。"
)
REFERRAL_TAP_WATER = (
    "自来水水质、停水、水压等供水问题由供水企业负责，请拨打自来水公司的客服热线报修，或拨打12345市民热线。"
)
REFERRAL_HOME = (
    "住宅室内的问题不属于城市管理案件：房屋设施请联系物业或房屋产权单位，涉及邻居的可请社区居委会调解，"
    "也可拨打12345市民热线咨询。"
)
REFERRAL_COMPOUND = (
    "住宅小区内的路灯、垃圾、绿化、道路等公共设施由小区物业负责管理，请先联系物业；"
    "没有物业或物业不处理的，可向所在社区居委会反映或拨打12345市民热线。"
)
# What the classifier confidently reads as no city matter at all (social insurance, wages, schools …): the
# citizen hotline answers those; staff still look at the report and may reject it with the same words.
REFERRAL_NOT_CITY = (
    "社保、就业、劳动报酬、教育、户籍等不属于城市管理的事项，请拨打12345市民热线咨询办理。"
)

# Matters that stay public even inside a compound: the law gives them to the city, not the property company
# (illegal building, blocked fire lanes, flying-lead charging in stairwells, burning rubbish, keeping livestock).
PUBLIC_INSIDE_COMPOUNDS = frozenset({"06001", "06020", "06038", "09012", "10901"})


@dataclass(frozen=True)
class ScopeFinding:
    kind: str  # OUT_OF_SCOPE | PROPERTY_MANAGED
    reason: str  # short Chinese text for staff ("邻里纠纷")
    referral: str  # what the resident is told to do instead


_NEIGHBOUR = re.compile(r"邻居|邻里|对门|(?:楼上|楼下|隔壁)(?:的)?(?:住户|人家|那家|那户|家|这家|邻居)")
_NEIGHBOUR_TROUBLE = re.compile(
    r"吵架|打架|争吵|骂人|纠纷|矛盾|麻将|吵闹|喧哗|大声|跺脚|唱歌|K歌|聚会|噪音|噪声|吵|闹|蹦|弹琴|拖椅子"
)
_RENOVATION = re.compile(r"装修|砸墙|敲墙|打墙|电钻|冲击钻|电锯|切割机")
_HOMELIKE = re.compile(r"家|室内|屋里|屋内|楼上|楼下|隔壁|邻居|单元|楼里|楼内|住宅|小区")
_SHOPFRONT = re.compile(r"店面|门头|门面|商铺|店铺|沿街|临街|饭店|餐馆|工地")
_TAP_WATER = re.compile(r"自来水|水龙头|(?:家里|家中|屋里)(?:的)?水|入户水|饮用水")
_WATER_TROUBLE = re.compile(r"发黄|黄色|黄水|浑|异味|有味|臭|杂质|沉淀|停水|没水|没有水|断水|水压|水小|水流小")
_IN_HOME = re.compile(r"(?:我|我们|自己|他|她|邻居)?(?:家里|家中|屋里|屋内|室内|卧室|客厅|厨房|卫生间)")
_COMPOUND = re.compile(r"小区|院内|院里|院子里|大院|物业")
# "小区门口/外/旁边…": the place is the street outside the compound, a public place.
_OUTSIDE_COMPOUND = re.compile(
    r"(?:的)?(?:[东南西北]?(?:门口|门外|大门|侧门|外面|外边|外侧|外)|旁边|旁|附近|对面|周边|周围|隔壁|边上|马路|路边|路上)"
)


def _inside_compound(text: str) -> bool:
    """The text places the problem inside a residential compound (not at its gate or on the road outside)."""
    for m in _COMPOUND.finditer(text):
        if m.group(0) == "物业":
            return True
        if not _OUTSIDE_COMPOUND.match(text, m.end()):
            return True
    return False


def assess_scope(text: str, matter_code: str | None) -> ScopeFinding | None:
    """A finding when the report is a private or property-managed matter; None when nothing says so."""
    s = re.sub(r"\s+", "", text or "")
    if _TAP_WATER.search(s) and _WATER_TROUBLE.search(s):
        return ScopeFinding(OUT_OF_SCOPE, "自来水供水问题（供水企业）", REFERRAL_TAP_WATER)
    if _RENOVATION.search(s) and _HOMELIKE.search(s) and not _SHOPFRONT.search(s):
        return ScopeFinding(OUT_OF_SCOPE, "住宅室内装修（物业）", REFERRAL_RENOVATION)
    if _NEIGHBOUR.search(s) and _NEIGHBOUR_TROUBLE.search(s):
        return ScopeFinding(OUT_OF_SCOPE, "邻里纠纷、生活噪声", REFERRAL_NEIGHBOURS)
    if _IN_HOME.search(s) and matter_code not in PUBLIC_INSIDE_COMPOUNDS:
        return ScopeFinding(OUT_OF_SCOPE, "住宅室内问题", REFERRAL_HOME)
    if _inside_compound(s) and matter_code not in PUBLIC_INSIDE_COMPOUNDS:
        return ScopeFinding(PROPERTY_MANAGED, "住宅小区内事项（物业管理）", REFERRAL_COMPOUND)
    return None


def referral_for(in_scope: bool, finding: ScopeFinding | None) -> str | None:
    """What the resident is told to do instead: the private or compound matter's office, 12345 for a text the
    classifier confidently puts out of scope, nothing for a city matter. Filing and preview both ask here."""
    if finding is not None:
        return finding.referral
    return None if in_scope else REFERRAL_NOT_CITY
