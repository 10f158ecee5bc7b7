"""Sample photos built with Pillow for the photo tests, the photo benchmark and the photo fuzzer.

A plain module (no pytest): tests and bench scripts load it by path, see `load_module`.
"""

from __future__ import annotations

import importlib.util
import io
import struct
import sys
import zlib
from pathlib import Path
from types import ModuleType

import numpy as np
import pillow_heif
from PIL import ExifTags, Image

pillow_heif.register_heif_opener()

MARKER = (255, 0, 0)
GREY = (128, 128, 128)


def load_module(path: Path, name: str) -> ModuleType:
    """Import a file by path (works whatever pytest's import mode and without packages)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def photo_exif(
    *,
    orientation: int | None = None,
    gps: tuple[tuple[float, float, float], str, tuple[float, float, float], str] | None = None,
    taken: str | None = None,
    offset: str | None = None,
    datetime_ifd0: str | None = None,
) -> bytes:
    """EXIF bytes. gps = (lat_dms, "N"|"S", lng_dms, "E"|"W")."""
    exif = Image.Exif()
    exif[0x010F] = "PhotoTestCam"  # Make: something identifying that must not survive
    if orientation is not None:
        exif[0x0112] = orientation
    if datetime_ifd0 is not None:
        exif[0x0132] = datetime_ifd0
    if gps is not None:
        lat, lat_ref, lng, lng_ref = gps
        exif[ExifTags.IFD.GPSInfo] = {1: lat_ref, 2: lat, 3: lng_ref, 4: lng}
    sub: dict[int, str] = {}
    if taken is not None:
        sub[0x9003] = taken
    if offset is not None:
        sub[0x9011] = offset
    if sub:
        exif[ExifTags.IFD.Exif] = sub
    return exif.tobytes()


def marked_image(size: tuple[int, int], mode: str = "RGB") -> Image.Image:
    """Grey image with a red block in the top-left corner of the *stored* pixels (to check rotation)."""
    img = Image.new("RGB", size, GREY)
    block = max(4, min(size) // 8)
    img.paste(MARKER, (0, 0, block, block))
    return img.convert(mode) if mode != "RGB" else img


def photographic(width: int, height: int, seed: int = 0) -> Image.Image:
    """Camera-like content: structure at several scales plus sensor grain (JPEG-compresses like a photo)."""
    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), np.float32)
    for cells, amp in ((8, 90.0), (32, 50.0), (128, 30.0), (512, 18.0)):
        cells_y = max(2, cells * height // width + 1)
        small = Image.fromarray(rng.integers(0, 256, (cells_y, cells, 3), dtype=np.uint8))
        acc += (np.asarray(small.resize((width, height), Image.Resampling.BICUBIC), np.float32) - 128) * (amp / 128)
    acc += 128 + rng.normal(0, 5, (height, width, 3)).astype(np.float32)
    return Image.fromarray(np.clip(acc, 0, 255).astype(np.uint8))


def encode(img: Image.Image, fmt: str, **params: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **params)
    return out.getvalue()


def jpeg_with_metadata(size: tuple[int, int] = (400, 300), **exif_args: object) -> bytes:
    """A marked JPEG with EXIF (as given), a comment, XMP and an ICC-less APP segment zoo."""
    exif = photo_exif(**exif_args)  # type: ignore[arg-type]
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><GPSLatitude>36,4.5N</GPSLatitude></x:xmpmeta>'
    return encode(marked_image(size), "JPEG", quality=90, exif=exif, comment=b"secret comment", xmp=xmp)


def png_with_alpha(size: tuple[int, int] = (200, 100)) -> bytes:
    """Left half fully transparent (colour underneath is black), right half opaque blue."""
    img = Image.new("RGBA", size, (0, 0, 0, 0))
    img.paste((0, 0, 255, 255), (size[0] // 2, 0, size[0], size[1]))
    return encode(img, "PNG")


def webp_sample(size: tuple[int, int] = (320, 240), exif: bytes | None = None) -> bytes:
    params: dict[str, object] = {"quality": 80}
    if exif:
        params["exif"] = exif
    return encode(marked_image(size), "WEBP", **params)


def heic_sample(size: tuple[int, int] = (320, 240), exif: bytes | None = None) -> bytes:
    params: dict[str, object] = {"quality": 60}
    if exif:
        params["exif"] = exif
    return encode(marked_image(size), "HEIF", **params)


def gif_sample() -> bytes:
    return encode(marked_image((64, 48)).convert("P"), "GIF")


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A tiny PNG claiming width x height: its IDAT holds at most 1 MiB of zero rows, then it ends."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * min((width * 3 + 1) * 4, 1 << 20), 9)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def jpeg_with_dimensions(width: int, height: int) -> bytes:
    """A real small JPEG whose SOF header is rewritten to claim width x height."""
    data = bytearray(encode(Image.new("RGB", (16, 16), GREY), "JPEG"))
    i = 2
    while i < len(data) - 9:
        marker = data[i + 1]
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2):
            data[i + 5 : i + 7] = height.to_bytes(2, "big")
            data[i + 7 : i + 9] = width.to_bytes(2, "big")
            return bytes(data)
        i += 2 + length
    raise AssertionError("no SOF marker")


def icc_rgb_profile(gamma: float, description: str = "Test linear RGB") -> bytes:
    """A minimal ICC v2 display profile: sRGB primaries (D50-adapted) with a plain power-law TRC."""

    def s15(value: float) -> bytes:
        return struct.pack(">i", round(value * 65536))

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ " + bytes(4) + s15(x) + s15(y) + s15(z)

    ascii_desc = description.encode("ascii") + b"\x00"
    desc = b"desc" + bytes(4) + struct.pack(">I", len(ascii_desc)) + ascii_desc + bytes(4 + 4 + 2 + 1 + 67)
    curve = b"curv" + bytes(4) + struct.pack(">IH", 1, round(gamma * 256)) + bytes(2)
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.4361, 0.2225, 0.0139)),
        (b"gXYZ", xyz(0.3851, 0.7169, 0.0971)),
        (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
        (b"rTRC", curve),
        (b"gTRC", curve),
        (b"bTRC", curve),
        (b"cprt", b"text" + bytes(4) + b"none\x00" + bytes(3)),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, payload in tags:
        payload += bytes(-len(payload) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(payload))
        body += payload
    size = offset + len(body)
    header = (
        struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ " + bytes(12)
        + b"acsp" + bytes(4 + 4 + 4 + 4 + 8 + 4) + s15(0.9642) + s15(1.0) + s15(0.8249) + bytes(4 + 44)
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body
