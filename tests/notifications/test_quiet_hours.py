"""Quiet hours (default 21:00–08:00 Asia/Shanghai) delay non-urgent messages; in-app and urgent ones go now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications import outbox
from service_api.extensions import db
from service_api.models import Notification
from service_api.outbox_writer import enqueue, quiet_until
from tests.notifications.support import make_case, make_report, use_twilio

SH = ZoneInfo("Asia/Shanghai")


def local(hour: int, minute: int = 0, day: int = 24) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=SH).astimezone(UTC)


@pytest.mark.parametrize(("moment", "expected"), [
    (local(22, 30), local(8, 0, day=25)),
    (local(21, 0), local(8, 0, day=25)),
    (local(7, 59), local(8, 0)),
    (local(8, 0), None),
    (local(12, 0), None),
    (local(20, 59), None),
])
def test_quiet_window(moment, expected):
    assert quiet_until(moment, "21:00-08:00") == expected


def test_daytime_window_and_off():
    assert quiet_until(local(13, 0), "12:00-14:00") == local(14, 0)
    assert quiet_until(local(15, 0), "12:00-14:00") is None
    assert quiet_until(local(23, 0), "") is None


@pytest.fixture
def settings(settings, fake_twilio):
    use_twilio(settings, fake_twilio)
    settings.quiet_hours = "21:00-08:00"
    return settings


def test_night_messages_wait_for_morning_unless_urgent_or_inapp(app):
    report = make_report(phone="+14155550177")
    case = make_case(report)
    night = local(23, 15)
    rows = enqueue("closed", report, case, send_after=night)
    by_channel = {r.channel: r for r in rows}
    assert by_channel["sms"].send_after == local(8, 0, day=25)
    assert by_channel["inapp"].send_after == night
    urgent = enqueue("closed", report, case, send_after=night, urgent=True)
    assert {r.send_after for r in urgent} == {night}


def test_retry_falling_into_quiet_hours_is_released_until_morning(app):
    report = make_report(phone="+14155550178")
    row = Notification(kind="closed", channel="sms", recipient="+14155550178", report_id=report.id, body="x",
                       send_after=local(21, 30) - timedelta(minutes=1))
    db.session.add(row)
    db.session.commit()
    assert outbox.claim_due(now=local(21, 30)) == []
    db.session.refresh(row)
    assert row.status == "pending" and row.send_after == local(8, 0, day=25)


@pytest.mark.parametrize(("value", "expected"), [
    (None, "21:00-08:00"), ("", ""), ("off", "off"), ("22:00-07:00", "22:00-07:00"),
])
def test_quiet_hours_setting_empty_means_none(monkeypatch, value, expected):
    """QUIET_HOURS= (empty) turns quiet hours off, as `off` does; only an unset variable gives the default."""
    from service_api.config import Settings

    if value is None:
        monkeypatch.delenv("QUIET_HOURS", raising=False)
    else:
        monkeypatch.setenv("QUIET_HOURS", value)
    spec = Settings().quiet_hours
    assert spec == expected
    assert (quiet_until(local(23, 0), spec) is None) == (value in ("", "off"))


@pytest.mark.parametrize(("moment", "sms_at"), [
    (local(23, 15), local(8, 0, day=25)),  # inside the window: the SMS waits for the morning
    (local(12, 0), local(12, 0)),  # outside: it goes now
])
def test_the_clock_decides_whether_a_message_waits(app, pinned_clock, moment, sms_at):
    pinned_clock(moment)
    report = make_report(phone="+14155550179")
    rows = {row.channel: row for row in enqueue("received", report, None)}
    db.session.commit()
    assert (rows["sms"].send_after, rows["inapp"].send_after) == (sms_at, moment)
    claimed = {db.session.get(Notification, c.id).channel for c in outbox.claim_due()}
    assert claimed == ({"sms", "inapp"} if sms_at == moment else {"inapp"})
