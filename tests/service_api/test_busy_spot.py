"""A busy spot (a square with many open cases of the same matter) must not make the agent's live preview or a
report's intake slower per open case than the comparison itself: the database is asked the same number of
times whether 1 or 40 open cases lie within the duplicate radius (it used to be asked once more per case)."""

from __future__ import annotations

from sqlalchemy import event

from service_api.extensions import db
from service_api.models import Case

SQUARE = {"lat": 36.0620, "lng": 120.3845, "crs": "wgs84"}
BIN = "五四广场东门的垃圾桶满了，垃圾溢出来一地"


class StatementCounter:
    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> StatementCounter:
        event.listen(db.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(db.engine, "before_cursor_execute", self._count)

    def _count(self, *args: object) -> None:
        self.count += 1


def preview_statements(client) -> tuple[int, list[str]]:
    with StatementCounter() as counter:
        response = client.post("/api/v1/intake/preview", json={"text": BIN, "location": SQUARE})
    assert response.status_code == 200, response.json
    return counter.count, [n["case_no"] for n in response.json["nearby_cases"]]


def copy_open_case(case: Case, n: int) -> None:
    columns = [c.name for c in Case.__table__.columns if c.name not in ("id", "case_no")]
    row = {c: getattr(case, c) for c in columns}
    for k in range(n):
        db.session.execute(Case.__table__.insert().values(case_no=f"{case.case_no}-{k:03d}", **row))
    db.session.commit()


def test_preview_asks_the_database_as_often_with_forty_open_cases_nearby_as_with_one(client):
    created = client.post("/api/v1/reports", json={"description": BIN, "location": SQUARE})
    assert created.status_code == 201, created.json
    case = db.session.query(Case).filter_by(case_no=created.json["case_no"]).one()
    client.post("/api/v1/intake/preview", json={"text": BIN, "location": SQUARE})  # warm caches
    alone, nearby = preview_statements(client)
    assert nearby == [case.case_no]  # the agent is offered the open case to join

    copy_open_case(case, 40)
    crowded, nearby = preview_statements(client)
    assert len(nearby) == 5  # still only the nearest few are offered
    assert crowded == alone, (alone, crowded)


def report_statements(client) -> int:
    with StatementCounter() as counter:
        response = client.post("/api/v1/reports", json={"description": BIN, "location": SQUARE})
    assert response.status_code == 201, response.json
    assert response.json["case_no"]  # intake ran inline: the report joined or made a case
    return counter.count


def test_a_report_filed_at_a_busy_spot_asks_the_database_as_often_as_at_a_quiet_one(client):
    created = client.post("/api/v1/reports", json={"description": BIN, "location": SQUARE})
    case = db.session.query(Case).filter_by(case_no=created.json["case_no"]).one()
    report_statements(client)  # warm caches
    quiet = report_statements(client)
    copy_open_case(case, 40)
    busy = report_statements(client)
    assert busy == quiet, (quiet, busy)
