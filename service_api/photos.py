"""Photo uploads: run the intake photo pipeline, store content-addressed, record who uploaded."""

from __future__ import annotations

import errno
import uuid
from pathlib import Path

from flask import current_app, url_for

from intake.photos import (
    DecompressionBomb,
    NotAnImage,
    PhotoError,
    TooLarge,
    UnsupportedFormat,
    process_photo,
    save_processed,
    store_path,
)
from service_api.auth.principal import Principal
from service_api.errors import APIError
from service_api.extensions import db
from service_api.models import Photo

# The HTTP status of each refusal of the photo pipeline; any other PhotoError (truncated, corrupt) is a 400.
PHOTO_ERROR_STATUS: dict[type[PhotoError], int] = {
    NotAnImage: 415, UnsupportedFormat: 415, TooLarge: 413, DecompressionBomb: 413,
}


def photo_error_status(exc: PhotoError) -> int:
    return next((status for kind, status in PHOTO_ERROR_STATUS.items() if isinstance(exc, kind)), 400)


def photo_root() -> Path:
    return current_app.extensions["settings"].photo_storage_dir


def save_upload(data: bytes, principal: Principal) -> Photo:
    """Process and store one upload; the caller commits."""
    settings = current_app.extensions["settings"]
    try:
        processed = process_photo(data, max_bytes=settings.photo_max_bytes)
    except PhotoError as exc:
        raise APIError(photo_error_status(exc), exc.code, exc.message) from exc
    try:
        save_processed(processed, photo_root())
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise APIError(507, "storage_full", "照片存储空间不足，请稍后再试") from exc
        raise APIError(503, "storage_unavailable", "照片暂时无法保存，请稍后再试") from exc
    photo = Photo(
        id=str(uuid.uuid4()),
        sha256=processed.sha256,
        width=processed.width,
        height=processed.height,
        size_bytes=len(processed.image_bytes),
        gps_lat=processed.gps[0] if processed.gps else None,
        gps_lng=processed.gps[1] if processed.gps else None,
        taken_at=processed.taken_at,
        owner_citizen_id=principal.citizen_id,
        owner_staff_id=principal.staff.id if principal.staff else None,
    )
    db.session.add(photo)
    return photo


def photo_file(photo: Photo, kind: str) -> Path:
    return store_path(photo.sha256, photo_root(), kind)


def usable_photos(photo_ids: list[str], principal: Principal) -> list[Photo]:
    """The photos a caller may attach, in the order given; 4xx for unknown or somebody else's."""
    if len(set(photo_ids)) != len(photo_ids):
        raise APIError(422, "duplicate_photo", "photo_ids 中有重复的照片")
    photos: list[Photo] = []
    for photo_id in photo_ids:
        photo = db.session.get(Photo, photo_id)
        if photo is None:
            raise APIError(422, "unknown_photo", f"照片 {photo_id} 不存在", {"photo_ids": [photo_id]})
        if not can_use_photo(photo, principal):
            raise APIError(403, "photo_forbidden", f"照片 {photo_id} 不属于您", {"photo_ids": [photo_id]})
        photos.append(photo)
    return photos


def can_use_photo(photo: Photo, principal: Principal) -> bool:
    if principal.staff is not None or principal.kind == "service":
        return True
    if photo.owner_citizen_id is None and photo.owner_staff_id is None:
        return True  # an anonymous upload: its unguessable id is the capability
    return photo.owner_citizen_id is not None and photo.owner_citizen_id == principal.citizen_id


def photo_links(photo_id: str) -> dict[str, str]:
    """Where the API serves a stored photo and its thumbnail."""
    return {
        "id": photo_id,
        "url": url_for("photos.PhotoFile", photo_id=photo_id),
        "thumb_url": url_for("photos.PhotoThumb", photo_id=photo_id),
    }
