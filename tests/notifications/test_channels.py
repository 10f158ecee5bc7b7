"""The channel registry: every message channel of the vocabulary has an adapter, and nothing else does."""

from __future__ import annotations

import pytest

from notifications.channels import get
from service_api.config import Settings
from service_api.vocab import MESSAGE_CHANNELS


def test_every_message_channel_has_its_adapter():
    settings = Settings()
    for channel in MESSAGE_CHANNELS:
        assert get(channel, settings).name == channel


def test_a_row_of_an_unknown_channel_is_refused():
    with pytest.raises(ValueError, match="unknown channel"):
        get("fax", Settings())
