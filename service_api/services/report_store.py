"""Writing a new report row with one cached INSERT statement, without the ORM unit of work.

The report endpoint is the hot path of every channel: the ORM flush, the attribute events of building a
transient object column by column, and reading the row back after the commit cost more than the INSERT itself.
The caller gets the same ORM object every channel uses, built from the values just written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from service_api.extensions import db
from service_api.models import Photo, Report, report_photos
from service_api.services import numbers

_TABLE = Report.__table__
_VALUE_COLUMNS = tuple(column.key for column in _TABLE.columns if column.key != "id")
_INSERT = insert(_TABLE).returning(_TABLE.c.id)
_MANAGER = Report.__mapper__.class_manager


def new_row_values() -> dict[str, Any]:
    """Every column of a new report but its id, None until set (None is written as NULL: no column defaults)."""
    return dict.fromkeys(_VALUE_COLUMNS)


def insert_report(values: dict[str, Any], photos: list[Photo]) -> Report:
    """INSERT the report (`values`: see new_row_values; its tracking number is added) and its photo links in
    the session's transaction; the caller commits.

    Returns the report as if loaded from the database: every column set, `photos` and `case` (None) loaded. It
    is detached, so the commit does not expire it; the caller attaches it again after the commit.
    """
    values["tracking_no"] = numbers.new_tracking_no(values["created_at"])
    connection = db.session.connection()
    report_id = connection.execute(_INSERT, values).scalar_one()
    if photos:
        connection.execute(report_photos.insert(), [
            {"report_id": report_id, "photo_id": photo.id, "position": position}
            for position, photo in enumerate(photos)])
    # As the ORM's loader does: a new instance without __init__, its columns straight into its __dict__
    # (which, unlike the constructor, does not configure the mappers first).
    if not _MANAGER.mapper.configured:
        configure_mappers()
    report = _MANAGER.new_instance()
    report.__dict__.update(values, id=report_id)
    make_transient_to_detached(report)
    set_committed_value(report, "photos", photos)
    set_committed_value(report, "case", None)
    return report
