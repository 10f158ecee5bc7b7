"""Duplicate report detection (pure): is a new report the same problem as an open case?

Rule of the platform: a report joins an open case when it is the same matter within the merge radius, or
the same 大类 (first two digits of the matter code) within the radius and with closely similar text. The
database side picks the open cases (last N days, within a box around the point) and calls
:func:`rank_duplicates` on them.
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
TEXT_THRESHOLD = 0.55  # text similarity needed when only the 大类 agrees

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

    @property
    def rank_key(self) -> tuple:
        """Best first: same matter, then closer, then more similar text."""
        return (not self.same_matter, round(self.distance_m, 1), -self.text_similarity)


def normalise_text(text: str) -> str:
    """Lower-case NFKC text without punctuation, phone numbers and filler words."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", text or "").lower())


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
    similarity = text_similarity(new.text, existing.text)
    within = distance <= radius_m
    is_dup = within and (same_matter or (same_major and similarity >= text_threshold))
    return DupScore(distance, similarity, same_matter, same_major, is_dup, existing)


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
