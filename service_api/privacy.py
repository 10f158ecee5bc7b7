"""Masking of residents' personal data wherever staff lists, exports or public data show it.

`mask_phone` masks a phone field; `mask_text` masks every phone or ID number written inside free text
(descriptions, comments, outcomes, notes) in any of the ways residents write them: "139-1234-5678",
"+86 139 1234 5678", "1 3 9 1 2 3 4 5 6 7 8", "(139)12345678", full-width digits, 18-digit ID numbers.
Every public or staff text goes through `mask_text`; nothing else looks for numbers in text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from service_api.models.case import RESIDENT_ACTOR

# Full-width forms (a Chinese keyboard's "１３８－…", "＋８６", the ideographic space) read as their ASCII
# counterparts; one character for one, so a match in the translated text is at the same place in the original.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# Characters residents put between digit groups: spaces, hyphens, dashes and dots.
_SEP = r"[ \-\u2013.]"
_COUNTRY = r"(?:(?:\+|00)86" + _SEP + r"?)"
_NUMBER_SHAPES = "|".join((
    r"[0-9]{17}[0-9Xx]",  # 18-digit ID number (the last character may be X)
    r"[0-9]{6}" + _SEP + r"[0-9]{8}" + _SEP + r"[0-9]{3}[0-9Xx]",  # ID number written in groups
    # Mobile, 3-4-4 or unbroken, the first three digits perhaps in brackets: "(138)3333 4444".
    _COUNTRY + r"?(?:\(1[0-9]{2}\)|1[0-9]{2})" + _SEP + r"?[0-9]{4}" + _SEP + r"?[0-9]{4}",
    # Mobile in any other grouping, down to digit by digit ("1 3 9 0 0 0 0 2 2 2 2"); a real second digit
    # (3-9) keeps spaced-out lists and times ("1 2 3 4", "10 20 30") readable.
    _COUNTRY + r"?1" + _SEP + r"?[3-9](?:" + _SEP + r"?[0-9]){9}",
    _COUNTRY + r"?\(?0[0-9]{2,3}\)?" + _SEP + r"?[0-9]{3,4}" + _SEP + r"?[0-9]{4}",  # landline with area code
    _COUNTRY + r"?[0-9]{7,}",  # any other long run of digits
))
# Not inside a word or a longer number (reference numbers like R20261124000017 or C370202-20261124-00017
# stay readable).
_NUMBER_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])(?<![A-Za-z0-9]-)(?:" + _NUMBER_SHAPES + r")(?![0-9Xx])(?!-[0-9])")
_COUNTRY_PREFIXES = ("+86", "0086")


def _digits(text: str) -> str:
    """Half-width digits (and a trailing ID-number X) of `text`, separators dropped."""
    normal = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in normal if ch.isdigit() or ch in "+Xx")


def _mask_digits(digits: str) -> str:
    """Keep a few digits at each end so staff can still tell numbers apart; hide the rest."""
    for country in _COUNTRY_PREFIXES:  # mainland numbers are shown as residents know them: 138****1234
        if digits.startswith(country):
            digits = digits[len(country):]
            break
    digits = digits.lstrip("+")
    n = len(digits)
    if n >= 15:  # ID numbers and other long numbers: their middle (a birth date) identifies a person
        return digits[:1] + "*" * (n - 2) + digits[-1:]
    if n >= 11:
        return digits[:3] + "****" + digits[-4:]
    if n >= 8:
        return digits[:2] + "*" * (n - 4) + digits[-2:]
    return digits[:1] + "*" * max(n - 2, 1) + digits[-1:]


def mask_phone(phone: str | None) -> str | None:
    """138****1234: keep the first 3 and last 4 digits of a mainland number; others keep their "+country"."""
    if not phone or not phone.strip():
        return phone
    digits = _digits(phone)
    if phone.strip().startswith("+") and not digits.startswith("+"):
        digits = "+" + digits
    if not digits.lstrip("+"):
        return "*" * len(phone.strip())
    if digits.startswith("+") and not digits.startswith("+86"):
        return "+" + _mask_digits(digits[1:])
    return _mask_digits(digits)


def mask_text(text: str | None) -> str | None:
    """`text` with every phone number and ID number in it masked (see mask_phone)."""
    if not text:
        return text
    half = text.translate(_HALF_WIDTH)
    parts: list[str] = []
    end = 0
    for match in _NUMBER_IN_TEXT.finditer(half):
        parts += [text[end:match.start()], _mask_digits(_digits(match.group(0)))]
        end = match.end()
    return "".join(parts) + text[end:]


_SIGN_IN_CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")


def mask_sign_in_code(body: str) -> str:
    """An SMS sign-in message with its code hidden ("您的验证码为******"), what the outbox keeps once it is spent."""
    return _SIGN_IN_CODE.sub("******", body)


def mask_name(name: str | None) -> str | None:
    """张*明 / 王*: keep the family name (and the last character of longer names)."""
    if not name:
        return name
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def shown_actor_name(actor_type: str, actor_name: str | None) -> str | None:
    """The name of who acted on a case as staff see it: a resident's name is masked like the report's contact."""
    return mask_name(actor_name) if actor_type == RESIDENT_ACTOR else actor_name


# Spreadsheet programs run a cell that starts with one of these as a formula (=HYPERLINK(...), +cmd|...).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def spreadsheet_cell(value: object) -> object:
    """A CSV cell value that a spreadsheet shows as text: a leading apostrophe before a formula start (CSV has
    no cell types; the apostrophe is the usual defence). XLSX: xlsx_cell.

    Numbers stay numbers; only text can carry a formula.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def xlsx_cell(sheet: Any, value: object) -> Any:
    """An openpyxl cell of `sheet` (for sheet.append) holding `value`: text as an explicit string cell, so
    "=HYPERLINK(…" shows exactly as the resident wrote it, without an apostrophe, and never runs (openpyxl
    would store text starting with "=" as a formula). Numbers stay numbers."""
    from openpyxl.cell.cell import Cell

    cell = Cell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell
