"""Small generated images for API tests."""

from __future__ import annotations

import io

from PIL import Image


def jpeg_bytes(width: int = 640, height: int = 480, gps: tuple[float, float] | None = None,
               taken: str | None = "2026:11:20 09:30:00", color: tuple[int, int, int] = (120, 160, 90)) -> bytes:
    image = Image.new("RGB", (width, height), color)
    exif = Image.Exif()
    if taken:
        exif[0x0132] = taken  # DateTime
        exif.get_ifd(0x8769)[0x9003] = taken  # DateTimeOriginal
    if gps:
        lat, lng = gps

        def dms(value: float) -> tuple[float, float, float]:
            value = abs(value)
            degrees = int(value)
            minutes = int((value - degrees) * 60)
            seconds = round((value - degrees - minutes / 60) * 3600, 4)
            return (float(degrees), float(minutes), seconds)

        gps_ifd = exif.get_ifd(0x8825)
        gps_ifd[1] = "N" if lat >= 0 else "S"
        gps_ifd[2] = dms(lat)
        gps_ifd[3] = "E" if lng >= 0 else "W"
        gps_ifd[4] = dms(lng)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=85)
    return buffer.getvalue()


def upload(client, data: bytes, headers: dict[str, str] | None = None, filename: str = "photo.jpg"):
    return client.post("/api/v1/photos", data={"file": (io.BytesIO(data), filename)},
                       headers=headers or {}, content_type="multipart/form-data")
