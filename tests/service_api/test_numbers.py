"""Tracking numbers: unique within a day across threads and processes, readable, never reissued."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from service_api import numbers
from service_api.extensions import db
from service_api.models import Report

TRACKING = re.compile(r"^R\d{8}\d{6}$")


def test_concurrent_reports_get_distinct_tracking_numbers(app):
    """Many residents reporting at once (threads of one worker, as gunicorn's gthread runs them)."""
    tracking: list[str] = []
    errors: list[BaseException] = []

    def post_reports() -> None:
        try:
            with app.app_context():
                client = app.test_client()
                for i in range(15):
                    response = client.post("/api/v1/reports", json={"description": f"井盖丢了 {i}"})
                    assert response.status_code == 201, response.get_json()
                    tracking.append(response.get_json()["tracking_no"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=post_reports) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(tracking) == 90 and len(set(tracking)) == 90
    assert all(TRACKING.match(number) for number in tracking)
    stored = db.session.query(Report.tracking_no).all()
    assert sorted(row[0] for row in stored) == sorted(tracking)


def test_a_new_process_never_reissues_numbers_of_a_block_in_use(app):
    """Two API processes (two allocators) on one database: blocks are disjoint, and one that a crashed
    process left half-used is not handed out again."""
    engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes every number in the report's own transaction")
    first, second = numbers.TrackingBlocks(size=5), numbers.TrackingBlocks(size=5)
    taken = [first.take(engine, "report:20261201") for _ in range(3)]
    taken += [second.take(engine, "report:20261201") for _ in range(7)]
    taken += [numbers.TrackingBlocks(size=5).take(engine, "report:20261201")]  # after a "crash" of both
    assert len(set(taken)) == len(taken)
    assert taken[:3] == [1, 2, 3] and taken[3:8] == [6, 7, 8, 9, 10] and taken[10] == 16


def test_each_day_numbers_from_one(app):
    day_one = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    late = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 December in Shanghai
    with app.test_request_context():
        assert numbers.new_tracking_no(day_one) == "R20261201000001"
        assert numbers.new_tracking_no(day_one) == "R20261201000002"
        assert numbers.new_tracking_no(late) == "R20261202000001"
        db.session.commit()
    counters = dict(db.session.execute(text("SELECT key, last_value FROM number_sequences")).all())
    assert counters["report:20261201"] >= 2 and counters["report:20261202"] >= 1
