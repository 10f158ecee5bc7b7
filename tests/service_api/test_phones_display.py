"""Revealed numbers are shown the way staff dial them from a phone in Qingdao, not in E.164."""

from __future__ import annotations

import pytest

from service_api.phones import display_phone


@pytest.mark.parametrize(("stored", "shown"), [
    ("+8613905321234", "139 0532 1234"),      # mobile
    ("+8653283881234", "0532-83881234"),      # Qingdao landline: area code, dash, local number
    ("+861065529988", "010-65529988"),        # Beijing landline
    ("+85291234567", "+852 9123 4567"),       # abroad: international form
    ("12345", "12345"),                       # not a number we can parse: as it is
    (None, None),
])
def test_display_phone(stored, shown) -> None:
    assert display_phone(stored) == shown
