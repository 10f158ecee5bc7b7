"""Finding the place in what a resident wrote, with the gazetteer's own names (data/places.yml).

DIET tags places it has seen in training; a long message ("上个月我就打过电话了…莱阳路8号门口的下水道堵了") or a
road it never saw may yield none, or only part of one. The gazetteer's names are matched here directly, longest
first, and widened to what belongs to the place: a door number ("8号", "8号楼"), a second road of a crossing
("福州南路和南京路路口"), a direction or "门口/附近" after it. The service API geocodes that span.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import List, Optional, Tuple

import yaml

from actions.parsing import normalise

PLACES_FILE = Path(__file__).resolve().parents[1] / "data" / "places.yml"
NUMBER = r"(?:[0-9]+|[零一二两三四五六七八九十百]+)"
# What may follow a name and still be the place: a door number, a crossing, where exactly.
DOOR_RE = re.compile(rf"^(?:{NUMBER}(?:号|號)(?:楼|院|附近|门口|旁边|对面|东侧|西侧|南侧|北侧)?|{NUMBER}号?楼)")
CROSSING_RE = re.compile(r"^(?:和|与|跟|交)")
CROSSING_TAIL_RE = re.compile(r"^(?:的)?(?:十字路口|丁字路口|交叉路口|交叉口|路口|交汇处|口)")
NEAR_RE = re.compile(r"^(?:的)?(?:东|西|南|北|中)?(?:段|边|面|门口|附近|旁边|对面|路口|侧|门|正门|后门)")


@lru_cache(maxsize=1)
def place_names() -> Tuple[str, ...]:
    """The lookup table's names, longest first (so 福州南路 wins over a shorter name inside it)."""
    try:
        data = yaml.safe_load(PLACES_FILE.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return ()
    names: List[str] = []
    for block in data.get("nlu") or []:
        if block.get("lookup") == "place":
            names += [line[2:].strip() for line in str(block.get("examples") or "").splitlines()
                      if line.strip().startswith("- ")]
    return tuple(sorted(set(names), key=lambda n: (-len(n), n)))


@lru_cache(maxsize=1)
def _names_re() -> Optional[re.Pattern]:
    names = place_names()
    return re.compile("|".join(re.escape(n) for n in names)) if names else None


def _name_at(text: str, pos: int) -> Optional[re.Match]:
    pattern = _names_re()
    return pattern.match(text, pos) if pattern else None


def find_place(text: str) -> Optional[str]:
    """The first gazetteer place in the text with what belongs to it, or None ("江西路15号", "五四广场东侧")."""
    pattern = _names_re()
    if not pattern:
        return None
    plain = normalise(text)
    match = pattern.search(plain)
    if not match:
        return None
    start, end = match.start(), match.end()
    door = DOOR_RE.match(plain[end:])
    if door:
        end += door.end()
    else:
        joiner = CROSSING_RE.match(plain[end:])
        second = _name_at(plain, end + joiner.end()) if joiner else None
        if joiner and second:
            end = second.end()
            tail = CROSSING_TAIL_RE.match(plain[end:])
            end += tail.end() if tail else 0
    near = NEAR_RE.match(plain[end:])
    if near:
        end += near.end()
    return plain[start:end]
