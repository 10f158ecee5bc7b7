"""One canonical form for residents' phone numbers: E.164 ("+8613800138000").

Residents write the same number many ways ("13800138000", "+86 138-0013-8000", "138 0013 8000",
full-width digits from a Chinese keyboard). Stored as typed, one person became several: opt-outs were
bypassed, SMS sign-in made a second account, raw strings went to Twilio. Every place that stores,
compares or sends to a phone number goes through `canonical_phone` first.
"""

from __future__ import annotations

import unicodedata

import phonenumbers

# Numbers written without a country code are read as Chinese: the service's residents are in China.
DEFAULT_REGION = "CN"
# Longest text worth handing to the parser: an E.164 number has at most 15 digits; spaces, dashes,
# brackets and a "+86" prefix fit well within this.
MAX_INPUT_LENGTH = 32


class InvalidPhone(ValueError):
    """The text is not a phone number that can receive calls or SMS."""


def canonical_phone(raw: str | None) -> str | None:
    """The E.164 form of `raw`, None for an empty value; InvalidPhone when it is not a valid number."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        return None
    if len(text) > MAX_INPUT_LENGTH:
        raise InvalidPhone("电话号码过长")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone("电话号码格式不正确") from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone("电话号码无效")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def canonical_phone_or_none(raw: str | None) -> str | None:
    """`canonical_phone`, but None for anything that is not a valid number (for lookups, not for input)."""
    try:
        return canonical_phone(raw)
    except InvalidPhone:
        return None


def inbound_phone(raw: str | None) -> str | None:
    """A number a provider tells us (Twilio's From, a stored caller): canonical when valid, else as given.

    Never refused: a caller whose number the parser does not know yet must still be heard and answered.
    """
    if raw is None or not raw.strip():
        return None
    return canonical_phone_or_none(raw) or raw.strip()[:MAX_INPUT_LENGTH]


def same_phone(first: str | None, second: str | None) -> bool:
    """Whether two stored numbers are the same valid number."""
    canonical = canonical_phone_or_none(first)
    return canonical is not None and canonical == canonical_phone_or_none(second)


def display_phone(phone: str | None) -> str | None:
    """A stored number as staff dial it from a Chinese phone: mobiles "139 0532 1234", landlines with their area
    code "0532-83881234", other countries "+852 9123 4567"; anything unparsable as it is."""
    canonical = canonical_phone_or_none(phone)
    if canonical is None:
        return phone
    number = phonenumbers.parse(canonical)
    if number.country_code != 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    if national.startswith("0"):  # a landline: "0532 8388 1234" → area code, dash, the local number
        area, _, local = national.partition(" ")
        return f"{area}-{local.replace(' ', '')}"
    return national
