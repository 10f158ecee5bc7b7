"""Component codes (部件标识码) and the component numbers residents write or say.

A code is 17 digits: the county-level 行政区划代码 (6) + 大类 (2) + 小类 (3) + sequence (6), e.g.
370202 01 001 000123 for street light… of 市南区. Pure functions: no database, no Flask.

Assets carry the full code on their plate and a short number painted on them: the 6-digit sequence (leading
zeros may be dropped: "路灯杆 12号" is not one, "编号000123" / "杆号123" are). A short number names a component only
together with its area and type, which the caller knows (the served district and the report's matter).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

CODE_LENGTH = 17
AREA_LENGTH = 6
TYPE_LENGTH = 5  # 大类 + 小类: the matter directory's 管理部件 code

# 17 digits not embedded in a longer run of digits (a phone, an ID number is 11/18 digits).
_FULL = re.compile(r"(?<!\d)(\d{17})(?!\d)")
# A short number only after words that say it is the asset's number: painted plates read "编号", "杆号", "牌号".
_SHORT = re.compile(
    r"(?:部件编号|部件码|标识码|编号|杆号|牌号|井盖号|箱号|序号|No\.?|NO\.?|№)\s*[:：#]?\s*(\d{1,6})(?!\d)")
_FULLWIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


@dataclass(frozen=True)
class ComponentCode:
    area: str
    type_code: str
    sequence: str

    @property
    def code(self) -> str:
        return self.area + self.type_code + self.sequence

    @property
    def major(self) -> str:
        return self.type_code[:2]


def parse_code(value: str) -> ComponentCode:
    """Split a 17-digit code; ValueError (in Chinese, for reports) when it is not one."""
    text = (value or "").strip()
    if len(text) != CODE_LENGTH or not text.isascii() or not text.isdigit():
        raise ValueError(f"部件标识码应为17位数字，收到“{text[:40]}”")
    return ComponentCode(text[:AREA_LENGTH], text[AREA_LENGTH:AREA_LENGTH + TYPE_LENGTH],
                         text[AREA_LENGTH + TYPE_LENGTH:])


def is_code(value: str) -> bool:
    try:
        parse_code(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class CodesInText:
    full: tuple[str, ...]  # 17-digit codes, in order of appearance
    short: tuple[str, ...]  # 6-digit sequences (zero-padded) written after a number word


def codes_in_text(text: str | None) -> CodesInText:
    """The component codes and short numbers a resident wrote (full-width digits and spaces inside a code allowed)."""
    if not text:
        return CodesInText((), ())
    normal = text.translate(_FULLWIDTH)
    # Plates print codes in groups ("370202 01 001 000123"); a speech transcript may space digits out too.
    squeezed = re.sub(r"(?<=\d)[ \u3000-](?=\d)", "", normal)
    full = tuple(dict.fromkeys(_FULL.findall(squeezed)))
    short = tuple(dict.fromkeys(m.zfill(6) for m in _SHORT.findall(squeezed) if m.zfill(6) not in
                                {c[-6:] for c in full}))
    return CodesInText(full, short)


def short_candidates(sequences: tuple[str, ...], areas: list[str], type_code: str) -> list[str]:
    """The full codes a short number may stand for, given the areas served and the type of the matter."""
    return [area + type_code + seq for seq in sequences for area in areas]
