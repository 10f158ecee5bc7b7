"""Finding reports: by the number a person gives, by who filed them, by the photos they show."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Query

from service_api.extensions import db
from service_api.models import Case, Photo, Report, case_outcome_photos, report_photos
from service_api.reports.phone_match import owned_reports


def report_by_id(report_id: int) -> Report | None:
    return db.session.get(Report, report_id)


def report_by_tracking_no(tracking_no: str) -> Report | None:
    return db.session.query(Report).filter_by(tracking_no=tracking_no).one_or_none()


def report_by_ref(ref: str) -> Report | None:
    """A report by its id (all digits) or its tracking number, as given."""
    query = db.session.query(Report)
    return (query.filter_by(id=int(ref)) if ref.isdigit() else query.filter_by(tracking_no=ref)).one_or_none()


def own_reports_page(citizen_id: int | None, chat_sender: str | None, page: int,
                     size: int) -> tuple[list[Report], int]:
    """One page of a resident's reports, newest first, and how many there are: a signed-in resident's own
    (phone_match.owned_reports: also what was filed with their phone from other channels), else those of
    the chat conversation `chat_sender`."""
    query = db.session.query(Report)
    if citizen_id is not None:
        query = query.filter(owned_reports(citizen_id))
    else:
        query = query.filter(Report.channel_ref == chat_sender)
    total = query.count()
    rows = query.order_by(Report.created_at.desc(), Report.id.desc()).offset((page - 1) * size).limit(size).all()
    return rows, total


def keyed_reports_since(channel_ref: str, since: datetime) -> list[Report]:
    """The reports filed for `channel_ref` (a chat conversation) since `since` under an Idempotency-Key."""
    return db.session.query(Report).filter(Report.channel_ref == channel_ref, Report.created_at >= since,
                                           Report.idempotency_key.is_not(None)).order_by(Report.id).all()


def photo_by_id(photo_id: str) -> Photo | None:
    return db.session.get(Photo, photo_id)


def reports_showing(photo: Photo) -> Query[Report]:
    """The reports this photo was sent with."""
    return db.session.query(Report).join(report_photos, report_photos.c.report_id == Report.id).filter(
        report_photos.c.photo_id == photo.id)


def reports_with_outcome_photo(photo: Photo) -> Query[Report]:
    """The reports whose case shows this photo as its outcome (处置 photo)."""
    return (
        db.session.query(Report).join(Case, Report.case_id == Case.id)
        .join(case_outcome_photos, case_outcome_photos.c.case_id == Case.id)
        .filter(case_outcome_photos.c.photo_id == photo.id)
    )
