"""The case workflow on its own: who may move a case where, what each step records, and what follows it
(create_app wires the outbox, surveys and labels to every transition)."""

from __future__ import annotations

import pytest

from service_api.cases.workflow import Actor, TransitionRequest, apply_transition
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import CaseEvent, Department, Notification, Survey
from tests.factories import make_case, make_report

DISPATCHER = Actor("staff", name="调度员", role="dispatcher")
HANDLER = Actor("staff", name="处置员", role="handler")
REVIEWER = Actor("staff", name="核查员", role="reviewer")


def _step(case, action: str, actor: Actor, **values) -> None:
    apply_transition(case, TransitionRequest(action, **values), actor)
    db.session.commit()


def test_a_case_goes_from_registered_to_closed_and_its_resident_is_told(app):
    db.session.add(Department(code="street:test", name="测试街道办事处"))
    report = make_report()
    case = make_case(report, status="registered", outcome="")
    _step(case, "dispatch", DISPATCHER, department="street:test")
    _step(case, "resolve", HANDLER, outcome="已更换井盖")
    _step(case, "verify", REVIEWER)
    _step(case, "close", REVIEWER)
    assert case.status == "closed" and case.closed_at is not None and case.outcome == "已更换井盖"
    steps = [(e.action, e.from_status, e.to_status) for e in
             db.session.query(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id)]
    assert steps == [("dispatch", "registered", "dispatched"), ("resolve", "dispatched", "resolved"),
                     ("verify", "resolved", "verified"), ("close", "verified", "closed")]
    told = {n.kind for n in db.session.query(Notification).filter_by(case_id=case.id)}
    assert {"dispatched", "resolved", "closed"} <= told  # verify is internal: nobody is told
    assert "verified" not in told
    assert db.session.query(Survey).filter_by(case_id=case.id).count() == 1  # closing schedules the survey


def test_a_role_without_the_action_is_refused_and_nothing_changes(app):
    case = make_case(make_report(), status="resolved")
    with pytest.raises(APIError) as refused:
        apply_transition(case, TransitionRequest("close"), HANDLER)
    assert refused.value.status == 403
    with pytest.raises(APIError) as illegal:
        apply_transition(case, TransitionRequest("close"), REVIEWER)  # 核查 comes before 结案
    assert illegal.value.status == 409 and "已处置，待核查" in illegal.value.message
    db.session.rollback()
    assert case.status == "resolved" and db.session.query(CaseEvent).filter_by(case_id=case.id).count() == 0


@pytest.mark.parametrize("status", ["resolved", "verified", "closed"])
def test_a_handled_case_may_be_reopened_and_starts_a_new_round(app, status):
    case = make_case(make_report(), status=status)
    _step(case, "reopen", REVIEWER, note="居民反映仍未修好")
    assert case.status == "reopened" and case.reopen_count == 1 and case.resolved_at is None
