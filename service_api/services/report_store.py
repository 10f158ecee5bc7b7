"""Writing a new report row with one cached INSERT statement, without the ORM unit of work.

The report endpoint is the hot path of every channel: the ORM flush and reading the row back after the
commit cost more than the INSERT itself. The report stays the ORM object its callers use.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from service_api.extensions import db
from service_api.models import Photo, Report, report_photos
from service_api.services import numbers

_TABLE = Report.__table__
_VALUE_COLUMNS = [column.key for column in _TABLE.columns if column.key != "id"]
_INSERT = insert(_TABLE).returning(_TABLE.c.id)


def insert_report(report: Report, photos: list[Photo]) -> None:
    """INSERT the (transient) report and its photo links in the session's transaction; the caller commits.

    Afterwards `report` has its id and tracking number and counts as loaded from the database. It is
    detached, so the commit does not expire it; the caller attaches it again after the commit.
    """
    report.tracking_no = numbers.new_tracking_no(report.created_at)
    values = {key: getattr(report, key) for key in _VALUE_COLUMNS}
    report.id = db.session.execute(_INSERT, values).scalar_one()
    if photos:
        db.session.execute(report_photos.insert(), [
            {"report_id": report.id, "photo_id": photo.id, "position": position}
            for position, photo in enumerate(photos)])
    unset = [key for key in values if key not in report.__dict__]  # columns left at None
    make_transient_to_detached(report)
    for key in unset:
        set_committed_value(report, key, None)
    set_committed_value(report, "photos", photos)
    set_committed_value(report, "case", None)
