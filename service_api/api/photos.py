"""Photo upload (one file per request, as wx.uploadFile sends them) and serving."""

from __future__ import annotations

from typing import Any

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint
from flask_smorest.fields import Upload
from marshmallow import Schema, fields

from service_api.auth.principal import Principal, current_principal
from service_api.errors import APIError
from service_api.extensions import limiter
from service_api.models import Photo
from service_api.photos import photo_file
from service_api.reports.accept import upload_photo
from service_api.reports.lookup import photo_by_id, reports_showing, reports_with_outcome_photo

blp = Blueprint("photos", __name__, url_prefix="/api/v1/photos", description="照片上传与查看")


class UploadSchema(Schema):
    file = Upload(required=True)


class PhotoOutSchema(Schema):
    id = fields.String()
    sha256 = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    gps = fields.Dict(allow_none=True)
    taken_at = fields.DateTime(allow_none=True)


def photo_to_dict(photo: Photo) -> dict[str, Any]:
    gps = {"lat": photo.gps_lat, "lng": photo.gps_lng} if photo.gps_lat is not None else None
    return {"id": photo.id, "sha256": photo.sha256, "width": photo.width, "height": photo.height,
            "gps": gps, "taken_at": photo.taken_at}


@blp.route("")
class Photos(MethodView):
    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, PhotoOutSchema)
    @limiter.limit("60/minute")
    def post(self, files: dict[str, Any]) -> Any:
        """上传一张照片（JPEG/PNG/WebP/HEIC）。去除全部元数据后保存，返回其中的拍摄位置与时间。"""
        data = files["file"].read()
        if not data:
            raise APIError(400, "empty_file", "上传的文件为空", {"file": ["empty"]})
        photo = upload_photo(data, current_principal())
        return photo_to_dict(photo)


def can_read_photo(photo: Photo, principal: Principal) -> bool:
    if principal.staff is not None:
        return True
    if photo.owner_citizen_id is not None and photo.owner_citizen_id == principal.citizen_id:
        return True
    if photo.owner_citizen_id is None and photo.owner_staff_id is None:
        return True  # anonymous upload: the unguessable id is the capability
    if any(principal.can_read_report(r) for r in reports_showing(photo)):
        return True
    return any(principal.can_read_report(r) for r in reports_with_outcome_photo(photo))


def serve(photo_id: str, kind: str) -> Response:
    photo = photo_by_id(photo_id)
    if photo is None or not can_read_photo(photo, current_principal()):
        raise APIError(404, "photo_not_found", f"未找到照片 {photo_id}")
    path = photo_file(photo, kind)
    if not path.exists():
        raise APIError(404, "photo_missing", "照片文件不存在")
    response = send_file(path, mimetype="image/jpeg", max_age=86400, etag=photo.sha256 + kind)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@blp.route("/<string:photo_id>")
class PhotoFile(MethodView):
    @blp.response(200, content_type="image/jpeg")
    def get(self, photo_id: str) -> Any:
        """照片（最长边不超过 2048 像素，无元数据）。"""
        return serve(photo_id, "full")


@blp.route("/<string:photo_id>/thumb")
class PhotoThumb(MethodView):
    @blp.response(200, content_type="image/jpeg")
    def get(self, photo_id: str) -> Any:
        """照片缩略图。"""
        return serve(photo_id, "thumb")
