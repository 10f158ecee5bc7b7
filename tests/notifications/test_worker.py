"""The real Celery worker on Redis: beat's dispatch job hands claimed rows to deliver tasks exactly once."""

from __future__ import annotations

import os
import time

import pytest
import redis

from notifications import tasks
from notifications.celery_app import celery, use_flask_app
from service_api.extensions import db
from service_api.models import Notification
from tests.notifications.support import close_case, make_case, make_report, use_twilio

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
QUEUE = f"test-notifications-{os.getpid()}"


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason="Redis is not running at 127.0.0.1:6379")


@pytest.fixture
def settings(settings, fake_twilio):
    return use_twilio(settings, fake_twilio)


@pytest.fixture
def worker(app):
    from celery.contrib.testing.worker import start_worker

    if celery.conf.broker_url != REDIS_URL:
        celery.conf.update(broker_url=REDIS_URL, task_default_queue=QUEUE)
    use_flask_app(app)
    with start_worker(celery, pool="threads", concurrency=2, perform_ping_check=False, queues=[QUEUE],
                      shutdown_timeout=20):
        yield
    redis.Redis.from_url(REDIS_URL).delete(QUEUE)


def _wait(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.expire_all()
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_closing_a_case_reaches_the_resident_through_the_worker(app, worker, fake_twilio):
    phone = "+14155550190"
    case = make_case(make_report(phone=phone))
    close_case(case)
    tasks.dispatch.delay()
    assert _wait(lambda: db.session.query(Notification).filter(
        Notification.status.in_(("pending", "claimed", "sending"))).count() == 0)
    assert db.session.query(Notification).filter_by(status="sent").count() == 4  # sms + in-app, twice
    bodies = sorted(m["body"] for m in fake_twilio.sent_to(phone))
    # The closing notice and (with no survey delay configured) the survey invitation, once each.
    assert len(bodies) == 2 and all(case.case_no in b for b in bodies)
    assert any("已办结，感谢" in b for b in bodies) and any("回复1满意" in b for b in bodies)


def test_a_deliver_task_run_twice_sends_once(app, worker, fake_twilio):
    from notifications import outbox

    phone = "+14155550191"
    report = make_report(phone=phone)
    row = Notification(kind="closed", channel="sms", recipient=phone, report_id=report.id, body="一次")
    db.session.add(row)
    db.session.commit()
    claimed = outbox.claim_due()
    assert [c.id for c in claimed] == [row.id]
    for _ in range(3):  # e.g. redelivered by the broker after a worker was lost
        tasks.deliver.delay(row.id, claimed[0].token)
    assert _wait(lambda: db.session.get(Notification, row.id).status == "sent")
    time.sleep(0.5)
    assert len(fake_twilio.sent_to(phone)) == 1
