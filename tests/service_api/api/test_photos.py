"""POST/GET /api/v1/photos: what the mini-program sees when uploading."""

from __future__ import annotations

import io

from PIL import Image

from tests.service_api.images import jpeg_bytes, upload


def test_upload_returns_facts_and_serves_clean_copy(client):
    response = upload(client, jpeg_bytes(gps=(36.0662, 120.3826)))
    assert response.status_code == 201, response.json
    body = response.json
    assert body["width"] == 640 and body["height"] == 480
    assert abs(body["gps"]["lat"] - 36.0662) < 1e-4 and abs(body["gps"]["lng"] - 120.3826) < 1e-4
    assert body["taken_at"].startswith("2026-11-20T01:30:00")  # 09:30 in Shanghai is 01:30 UTC
    served = client.get(f"/api/v1/photos/{body['id']}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert b"Exif" not in served.data and b"GPS" not in served.data
    assert not Image.open(io.BytesIO(served.data)).getexif()
    thumb = client.get(f"/api/v1/photos/{body['id']}/thumb")
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.data)).size) <= 320


def test_same_photo_twice_is_stored_once(client, settings):
    data = jpeg_bytes()
    first, second = upload(client, data).json, upload(client, data).json
    assert first["sha256"] == second["sha256"] and first["id"] != second["id"]
    stored = [p for p in settings.photo_storage_dir.rglob("*.jpg") if not p.name.endswith(".thumb.jpg")]
    assert len(stored) == 1


def test_not_an_image_is_refused_whatever_its_name(client):
    response = upload(client, b"hello, this is text", filename="photo.jpg")
    assert response.status_code == 415
    assert response.json["code"] and response.json["message"]


def test_truncated_jpeg_is_refused(client):
    data = jpeg_bytes(1200, 900, color=(10, 200, 30))
    response = upload(client, data[: len(data) // 2])
    assert response.status_code == 400, response.json


def test_missing_file_field_is_a_validation_error(client):
    response = client.post("/api/v1/photos", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "file" in response.json["errors"]


def test_oversized_upload_is_413(app, client):
    app.extensions["settings"].photo_max_bytes = 50_000
    response = upload(client, jpeg_bytes(2000, 1500, taken=None) + b"\0" * 60_000)
    assert response.status_code == 413


def test_unknown_photo_is_404(client):
    assert client.get("/api/v1/photos/does-not-exist").status_code == 404


def test_a_gif_is_refused_as_an_unsupported_format(client):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(buffer, "GIF")
    response = upload(client, buffer.getvalue(), filename="photo.gif")
    assert response.status_code == 415
    assert response.json["code"] == "unsupported_format" and "JPEG" in response.json["message"]



def test_each_refusal_of_the_photo_pipeline_has_its_http_status():
    from intake.photos import errors
    from service_api.photos import photo_error_status

    # Not an image or a format we do not take: 415; too big in bytes or pixels: 413; anything else: 400.
    assert photo_error_status(errors.NotAnImage()) == photo_error_status(errors.UnsupportedFormat()) == 415
    assert photo_error_status(errors.TooLarge()) == photo_error_status(errors.DecompressionBomb()) == 413
    assert photo_error_status(errors.TruncatedImage()) == photo_error_status(errors.CorruptImage()) == 400
