"""Masking of residents' personal data wherever staff lists, exports or public data show it."""

from __future__ import annotations


def mask_phone(phone: str | None) -> str | None:
    """138****1234: keep the first 3 and last 4 digits of the national number."""
    if not phone:
        return phone
    digits = phone.strip()
    prefix = ""
    for country in ("+86", "0086"):
        if digits.startswith(country):
            prefix, digits = "+86 ", digits[len(country):]
    if len(digits) <= 7:
        return prefix + digits[:1] + "*" * max(len(digits) - 2, 1) + digits[-1:]
    return prefix + digits[:3] + "****" + digits[-4:]


def mask_name(name: str | None) -> str | None:
    """张*明 / 王*: keep the family name (and the last character of longer names)."""
    if not name:
        return name
    if len(name) <= 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
