"""Duplicate report detection (pure): is a new report the same problem as an open case?

Rule of the platform: a report joins an open case only when it is the same problem, near and recent:
the same matter within the merge radius, or a matter staff would call the same (one of the
:data:`ALIKE_MATTERS` groups, e.g. 暴露垃圾 / 垃圾箱满溢) within the radius *and* with a closely similar
description of the problem. The place is never part of that likeness: "南京路10号门口路灯不亮" and
"南京路10号门口燃气井盖没了" share an address, not a problem — the caller strips place names with
:func:`problem_text` (the geocoder knows them), and door numbers and position words are stripped here.
Two matters of one 大类 are not alike as such: a street light and a gas cover are both 市政公用设施 but have
different owners, and merging would hide the second from its owner.
The database side picks the open cases (last N days, within a box around the point) and calls
:func:`score_pair` / :func:`rank_duplicates` on them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from rapidfuzz import fuzz

from intake.geo.distance import haversine_m

DEFAULT_RADIUS_M = 50.0
DEFAULT_MAX_AGE_DAYS = 7.0
TEXT_THRESHOLD = 0.55  # problem-text similarity needed when the matters are alike but not the same

# Groups of matter codes that describe one situation in different words, that the classifier (or two
# residents) can tell apart only by nuance, and that the routing table sends to the same place (territory):
ALIKE_MATTERS: tuple[frozenset[str], ...] = (
    frozenset({"06010", "06011", "06042"}),  # 暴露垃圾 / 积存垃圾渣土 / 垃圾站(箱)满溢: rubbish lying there
    frozenset({"06028", "08001"}),  # 噪声扰民 / 施工扰民: noise from the same spot
    frozenset({"09005", "09006"}),  # 店外经营 / 占道经营: goods on the pavement
    frozenset({"09009", "09012"}),  # 机动车乱停放 / 占用消防通道: a car parked in the fire lane
    frozenset({"09010", "09011"}),  # 非机动车乱停放 / 共享单车乱象: bicycles piled up
    frozenset({"06012", "06014"}),  # 道路不洁 / 道路遗撒(洒): a dirty road
)
_ALIKE = {code: group for group in ALIKE_MATTERS for code in group}

# Where-words: door numbers, offsets, sides, corners; what remains of a complaint is the problem.
_PLACE_WORDS = re.compile(
    r"\d+(?:-\d+)?(?:号楼|号院|号|弄|栋|单元|米|公里)|[东南西北]{1,2}(?:侧|边|面|角|方向|段)|"
    r"门口|门前|旁边|对面|附近|路口|交叉口|交汇处|拐角|周边|周围|一带|往|向|朝"
)
_NOISE = re.compile(
    r"[\s\W_]+|(?:(?:联系)?(?:电话|手机)(?:号码)?(?:是)?)?(?:1[3-9]\d{9})|你好|您好|请问|麻烦|尽快|赶紧|处理一下|处理|解决|反映|投诉|一下|这个|那个|有人|"
    r"我要|我想|我们|我家|我在|这里|那里|这边|那边|附近|了|的|吧|啊|呀|呢"
)


@dataclass(frozen=True)
class DupInput:
    """What duplicate detection needs of a report or an open case. lat/lng in CGCS2000."""

    matter_code: str | None
    lat: float
    lng: float
    text: str = ""
    created_at: datetime | None = None
    ref: object = None  # the caller's id for the case/report; returned untouched


@dataclass(frozen=True)
class DupScore:
    distance_m: float
    text_similarity: float
    same_matter: bool
    same_major: bool
    is_duplicate: bool
    candidate: DupInput | None = None
    alike: bool = False  # different codes of one ALIKE_MATTERS group

    @property
    def rank_key(self) -> tuple:
        """Best first: same matter, then closer, then more similar text."""
        return (not self.same_matter, round(self.distance_m, 1), -self.text_similarity)


def normalise_text(text: str) -> str:
    """Lower-case NFKC text without punctuation, phone numbers and filler words."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())


def alike_matters(a: str | None, b: str | None) -> bool:
    """Same code, or two codes of one :data:`ALIKE_MATTERS` group."""
    if not a or not b:
        return False
    return a == b or (a in _ALIKE and b in _ALIKE[a])


def alike_codes(code: str) -> frozenset[str]:
    """`code` and the codes alike to it: the open cases a report of `code` may join."""
    return _ALIKE.get(code, frozenset()) | {code}


def problem_text(text: str, place_names: Iterable[str] = ()) -> str:
    """`text` without the place: the given names (roads, POIs, areas, the address) and door numbers/sides."""
    out = unicodedata.normalize("NFKC", text or "")
    for name in sorted({n for n in place_names if n}, key=len, reverse=True):
        out = out.replace(unicodedata.normalize("NFKC", name), " ")
    return _PLACE_WORDS.sub(" ", out)


def text_similarity(a: str, b: str) -> float:
    """0..1 similarity of two complaint texts: rapidfuzz Indel ratio of the normalised character strings.

    Chinese has no word boundaries, so the texts are compared as character sequences once filler words and
    punctuation are gone; set-based ratios are avoided because a short text inside a long one scores 1.0.
    """
    na, nb = normalise_text(a), normalise_text(b)
    if not na or not nb:
        return 0.0
    return round(fuzz.ratio(na, nb) / 100.0, 4)


def score_pair(
    new: DupInput,
    existing: DupInput,
    radius_m: float = DEFAULT_RADIUS_M,
    text_threshold: float = TEXT_THRESHOLD,
) -> DupScore:
    """Score whether `new` reports the same problem as `existing`."""
    distance = haversine_m(new.lat, new.lng, existing.lat, existing.lng)
    same_matter = bool(new.matter_code) and new.matter_code == existing.matter_code
    same_major = bool(new.matter_code and existing.matter_code) and new.matter_code[:2] == existing.matter_code[:2]
    alike = not same_matter and alike_matters(new.matter_code, existing.matter_code)
    similarity = text_similarity(new.text, existing.text)
    within = distance <= radius_m
    is_dup = within and (same_matter or (alike and similarity >= text_threshold))
    return DupScore(distance, similarity, same_matter, same_major, is_dup, existing, alike)


def rank_duplicates(
    new: DupInput,
    candidates: Iterable[DupInput],
    radius_m: float = DEFAULT_RADIUS_M,
    max_age_days: float | None = DEFAULT_MAX_AGE_DAYS,
    now: datetime | None = None,
    text_threshold: float = TEXT_THRESHOLD,
    radius_for: dict[str, float] | None = None,
) -> list[DupScore]:
    """Candidates that are duplicates of `new`, best first.

    ``radius_for`` overrides the radius per matter code (a configurable radius per matter); ``max_age_days``
    drops candidates created longer ago than that before `now` (default: new.created_at, else no age limit).
    """
    reference = now or new.created_at
    oldest = reference - timedelta(days=max_age_days) if (reference and max_age_days is not None) else None
    radius = (radius_for or {}).get(new.matter_code or "", radius_m)
    matches: list[DupScore] = []
    for cand in candidates:
        if oldest is not None and cand.created_at is not None and cand.created_at < oldest:
            continue
        score = score_pair(new, cand, radius, text_threshold)
        if score.is_duplicate:
            matches.append(score)
    matches.sort(key=lambda s: s.rank_key)
    return matches
