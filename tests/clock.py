"""The service's one clock in tests: every `utcnow()` (service_api/models/base.py) reads `base.datetime.now`.

`TEST_CLOCK=2026-11-28T10:00+08:00 pytest ...` starts the whole run's clock at that moment (it then runs on), so
the suite can be run at a night inside quiet hours, a weekend or a date where Shanghai and UTC differ; no outcome
may depend on when it runs. `pinned_clock` stops the clock at a given moment for a test whose outcome depends on it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, tzinfo

import pytest

from service_api.models import base


def shifted_datetime(offset: timedelta) -> type[datetime]:
    class ShiftedDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:
            return datetime.now(tz) + offset

    return ShiftedDatetime


def frozen_datetime(moment: datetime) -> type[datetime]:
    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:
            return moment.astimezone(tz) if tz is not None else moment.astimezone(UTC).replace(tzinfo=None)

    return FrozenDatetime


@pytest.fixture(scope="session", autouse=True)
def test_clock() -> Iterator[None]:
    """Starts the service's clock at TEST_CLOCK (an ISO time with its offset) when set."""
    start = os.environ.get("TEST_CLOCK")
    if not start:
        yield
        return
    moment = datetime.fromisoformat(start)
    if moment.tzinfo is None:
        raise ValueError("TEST_CLOCK needs an offset, e.g. 2026-11-28T10:00+08:00")
    real = base.datetime
    base.datetime = shifted_datetime(moment - datetime.now(UTC))
    yield
    base.datetime = real


@pytest.fixture
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """`pinned_clock(moment)`: from then on `utcnow()` answers `moment` everywhere in the service (until the next
    call or the end of the test)."""

    def pin(moment: datetime) -> None:
        if moment.tzinfo is None:
            raise ValueError("pin the clock to an aware datetime")
        monkeypatch.setattr(base, "datetime", frozen_datetime(moment))

    return pin
