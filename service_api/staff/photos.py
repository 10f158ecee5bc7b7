"""Report and outcome photos for signed-in staff (/staff/photos/<id>, thumbnail or full size)."""

from __future__ import annotations

from flask import Response, abort, send_file

from service_api.photos import photo_file
from service_api.reports.lookup import photo_by_id
from service_api.staff.auth import login_required
from service_api.staff.console import blp


@blp.get("/photos/<photo_id>")
@blp.get("/photos/<photo_id>/<any(thumb, full):kind>")
@login_required()
def photo(photo_id: str, kind: str = "full") -> Response:
    row = photo_by_id(photo_id) or abort(404)
    path = photo_file(row, kind)
    if not path.exists():
        abort(404)
    response = send_file(path, mimetype="image/jpeg", max_age=86400, etag=row.sha256 + kind)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
