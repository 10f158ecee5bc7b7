"""Decide what an upload is from its first bytes, never from its name or declared content type.

Only the four accepted formats get as far as a decoder, and each only the decoder of its own magic, so a
polyglot (GIF header + JPEG body, HTML that also parses as something) cannot pick a more lenient parser.
"""

from __future__ import annotations

from .errors import NotAnImage, UnsupportedFormat

# ISO-BMFF brands that mean HEIF/HEIC stills or sequences (AVIF uses the same container; refused below).
HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1", b"mif2"}
)
AVIF_BRANDS = frozenset({b"avif", b"avis"})

# Image (and near-image) formats we recognise but refuse, so the resident gets "unsupported format"
# rather than "not an image".
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "BigTIFF"),
    (b"MM\x00+", "BigTIFF"),
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"qoif", "QOI"),
    (b"v/1\x01", "OpenEXR"),
    (b"DDS ", "DDS"),
    (b"%PDF", "PDF"),
)


def sniff_format(data: bytes) -> str:
    """Return "JPEG", "PNG", "WEBP" or "HEIF" for an accepted upload; raise for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        brands = _ftyp_brands(data)
        if brands & AVIF_BRANDS:
            raise UnsupportedFormat(detail="AVIF")
        if brands & HEIF_BRANDS:
            return "HEIF"
        raise UnsupportedFormat(detail=f"ISO-BMFF brands {sorted(brands)!r}")
    for magic, name in _OTHER_MAGIC:
        if data.startswith(magic):
            raise UnsupportedFormat(detail=name)
    head = data[:1024].lstrip().lower()
    if head.startswith(b"<svg") or (head.startswith(b"<?xml") and b"<svg" in head):
        raise UnsupportedFormat(detail="SVG")
    raise NotAnImage(detail=f"unrecognised leading bytes {data[:16]!r}")


def _ftyp_brands(data: bytes) -> set[bytes]:
    """Major and compatible brands of the leading `ftyp` box (bounded to the bytes actually present)."""
    size = int.from_bytes(data[0:4], "big")
    if size < 16 or size > 4096:
        size = min(len(data), 64)
    end = min(size, len(data))
    brands = {data[8:12]}
    brands.update(data[i : i + 4] for i in range(16, end - 3, 4))
    return brands
