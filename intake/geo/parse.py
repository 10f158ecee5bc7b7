"""Gazetteer-independent parsing of Chinese place descriptions.

Separates what a resident says around a place ("我在……这边", phone numbers, punctuation) from the place
itself, and pulls out the 方位描述 offset ("东侧50米"), "附近" and the two roads of an intersection, also when the
crossing is written inside a complaint ("香港中路山东路口井盖没了").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from intake.geo.distance import DIRECTION_BEARINGS

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NUM = re.compile(r"([零〇一二两三四五六七八九十百千]+)(?=号|米|公里|千米)")
_PHONE = re.compile(
    r"(?:联系)?(?:电话|手机|号码|联系方式)?(?:号码)?(?:是)?(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)"
)
_PUNCT = re.compile(r"(?<!\d)\.|\.(?!\d)|[\s,，。!！?？;；:：\"'“”‘’（）()\[\]【】<>《》~～…]+")

_LEAD_NOISE = re.compile(
    r"^(?:你好|您好|喂|那个|就是|请问|麻烦|我要反映|我想反映|反映一下|我要投诉|投诉)*"
    r"(?:我(?:现在|家|们)?(?:就)?(?:住)?在|我(?:现在)?(?:人)?(?:就)?在|人在|现在在|就在|位于|地址(?:是|在)?|地点(?:是|在)?|在)"
)
_TAIL_NEAR = re.compile(
    r"(?:的)?(?:附近|旁边|边上|周边|周围|一带|门口|跟前|对面|这边|那边|这里|那里|这儿|那儿|这块|那块|这|那)+$"
)
_NEAR_WORDS = ("附近", "旁边", "边上", "周边", "周围", "一带", "门口", "跟前", "对面")
_TAIL_NOISE = re.compile(r"(?:的)?(?:位置|地方|路段|处|左右|呢|啊|呀|吧|了)+$")

_DIRS = "东南|东北|西南|西北|东|南|西|北"
_OFFSET = re.compile(
    rf"(?:的)?(?:往|向|朝)?({_DIRS})(?:侧|边|面|方|方向)?(?:走)?(?:约|大约|大概|差不多)?"
    r"(\d+(?:\.\d+)?)(米|m|公里|千米|km)(?:处|远|左右|的位置|的地方)*$",
    re.IGNORECASE,
)
_INTERSECTION_TAIL = re.compile(
    r"(?:的)?(?:十字路口|丁字路口|交叉路口|交叉口|交汇处|交界处|交汇|交界|交叉|交口|路口|口)$"
)
_INTERSECTION_SPLIT = re.compile(r"(?:和|与|跟|同|及|、|/|&|\+|交)")
# A corner of an intersection ("路口西北角", "交叉口东南侧"): kept for the description.
_CORNER = re.compile(rf"({_DIRS})(?:角|侧|边|方向)$")
# Inside a complaint the bare "口" of "山东路口" is too common a word (门口, 出口) to end a crossing; these are not.
_EMBEDDED_TAIL = re.compile(
    r"(?:的)?(?:十字路口|丁字路口|交叉路口|交叉口|交汇处|交界处|交汇|交界|交叉|交口|路口)"
)
_CORNER_AFTER = re.compile(rf"({_DIRS})(?:角|侧|边|方向)")
# Clauses of a complaint: a crossing is written within one ("、" and "/" stay: they join its two roads).
_CLAUSE_BREAK = re.compile(r"[\s,，。!！?？;；:：\"'“”‘’（）()\[\]【】<>《》~～…]+")
MAX_EMBEDDED = 8  # crossings read from one text; bounds the cost on hostile input


@dataclass(frozen=True)
class ParsedPlace:
    """The place part of a description and its modifiers."""

    core: str
    near: bool = False
    direction: str | None = None
    distance_m: float | None = None
    intersections: tuple[tuple[str, str], ...] = ()
    corner: str | None = None  # "西北" of "路口西北角"

    @property
    def intersection(self) -> tuple[str, str] | None:
        """The most likely reading as an intersection of two roads."""
        return self.intersections[0] if self.intersections else None

    @property
    def bearing(self) -> float | None:
        return DIRECTION_BEARINGS.get(self.direction) if self.direction else None


def cn_to_int(text: str) -> int | None:
    """Chinese numerals up to the thousands ("十二" → 12, "一百零五" → 105, "三五" → 35)."""
    if all(ch in _CN_DIGITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (current or 1) * _CN_UNITS[ch]
            current = 0
        else:
            return None
    return total + current


def normalise(text: str) -> str:
    """NFKC, no phone numbers, no whitespace or punctuation, Chinese numerals before 号/米 as digits."""
    s = unicodedata.normalize("NFKC", text or "")
    s = _PHONE.sub("", s)
    s = _PUNCT.sub("", s)
    s = _CN_NUM.sub(lambda m: str(cn_to_int(m.group(1))) if cn_to_int(m.group(1)) is not None else m.group(1), s)
    return s.replace("－", "-").replace("—", "-")


def strip_lead_noise(s: str) -> str:
    prev = None
    while prev != s:
        prev = s
        s = _LEAD_NOISE.sub("", s, count=1)
    return s


def parse_place(text: str) -> ParsedPlace:
    """Split a description into core place text and modifiers; never raises."""
    s = strip_lead_noise(normalise(text))
    near = False
    direction: str | None = None
    distance: float | None = None
    for _ in range(3):
        before = s
        m = _TAIL_NEAR.search(s)
        if m and m.start() > 0:
            near = near or any(w in m.group(0) for w in _NEAR_WORDS)
            s = s[: m.start()]
        m = _TAIL_NOISE.search(s)
        if m and m.start() > 0:
            s = s[: m.start()]
        m = _OFFSET.search(s)
        if m and m.start() > 0 and direction is None:
            direction = m.group(1)
            value = float(m.group(2))
            distance = value * 1000.0 if m.group(3).lower() in ("公里", "千米", "km") else value
            s = s[: m.start()]
        if s == before:
            break
    corner = None
    m = _CORNER.search(s)
    if m and m.start() > 0 and _INTERSECTION_TAIL.search(s[: m.start()]):
        corner, s = m.group(1), s[: m.start()]
    m = _INTERSECTION_TAIL.search(s)
    body = s[: m.start()] if m and m.start() > 0 else s
    if m and m.group(0).startswith("路口") and not _looks_like_road(body):
        body += "路"  # "香港中路山东路口": the 路 of 山东路 is also the 路 of 路口
    splits = _intersection_splits(body, has_tail=m is not None)
    if splits:
        s = body
    else:
        corner = None
    return ParsedPlace(core=s, near=near, direction=direction, distance_m=distance, intersections=splits,
                       corner=corner)


def embedded_intersections(text: str) -> list[ParsedPlace]:
    """Crossings written inside a longer text ("香港中路与山东路路口西北角路灯不亮"), in the order written: for each
    intersection word, the clause before it read as two roads (the same four forms :func:`parse_place` reads
    in an address) and the corner after it. Only the split is made here; whether both sides are roads that
    meet is the geocoder's to say, so a side may still carry words before its road ("我家楼下香港中路")."""
    s = unicodedata.normalize("NFKC", text or "")
    s = _PHONE.sub("", s)
    found: list[ParsedPlace] = []
    for clause in _CLAUSE_BREAK.split(s):
        for m in _EMBEDDED_TAIL.finditer(clause):
            body = strip_lead_noise(clause[: m.start()])
            if len(body) < 4:
                continue
            if m.group(0).lstrip("的").startswith("路口") and not _looks_like_road(body):
                body += "路"
            splits = _intersection_splits(body, has_tail=True)
            if not splits:
                continue
            corner = _CORNER_AFTER.match(clause, m.end())
            found.append(ParsedPlace(core=body, intersections=splits, corner=corner.group(1) if corner else None))
            if len(found) >= MAX_EMBEDDED:
                return found
    return found


def _intersection_splits(body: str, has_tail: bool) -> tuple[tuple[str, str], ...]:
    """Ways to read `body` as "<road> and <road>"; separators also occur inside names (盛和路), so every
    separator position is tried, splits where both sides look like roads first."""
    both: list[tuple[str, str]] = []
    other: list[tuple[str, str]] = []
    for m in _INTERSECTION_SPLIT.finditer(body):
        left, right = body[: m.start()], body[m.end():]
        if len(left) < 2 or len(right) < 2:
            continue
        if _looks_like_road(left) and _looks_like_road(right):
            both.append((left, right))
        elif has_tail:
            other.append((left, right))
    if has_tail and not both:
        # Written without a separator ("江西路南京路路口", "湛山路东海西路交汇处"): split after a road suffix.
        for m in _ROAD_SUFFIX_ANYWHERE.finditer(body):
            left, right = body[: m.end()], body[m.end():]
            if len(left) >= 2 and len(right) >= 2 and _looks_like_road(right):
                both.append((left, right))
    return tuple(both + other)


_ROAD_SUFFIX = re.compile(r"(?:路|街|道|大道|巷|胡同|弄|里|线|桥|隧道)$")
_ROAD_SUFFIX_ANYWHERE = re.compile(r"(?:大道|胡同|隧道|路|街|巷)")


def _looks_like_road(text: str) -> bool:
    return bool(_ROAD_SUFFIX.search(text))
