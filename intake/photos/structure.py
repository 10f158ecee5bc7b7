"""Cheap structural checks on the container, run before Pillow sees the bytes.

They exist for bounded time, not for validation: Pillow parses JPEG markers and PNG chunks in Python, one
at a time, so 10 MB of empty COM segments, 0xFF fill bytes or empty PNG chunks cost several seconds; and
libjpeg re-processes the whole image for every progressive scan, so thousands of tiny repeated scans do
too (scans are counted up to the primary image's EOI, so a camera's appended video or second MPO frame,
where 0xFF 0xDA occurs by chance, is not mistaken for scans). Real cameras and editors stay far below
the limits here. The walks use C-speed `bytes`/regex searches and stop at the limits, so they cost a
couple of milliseconds on a 3 MB photo.
"""

from __future__ import annotations

import re

from .errors import CorruptImage, DecompressionBomb, TruncatedImage

MAX_JPEG_HEADER_SEGMENTS = 500  # segments before the first scan (typical photo: ~10-20)
MAX_JPEG_JUNK_BYTES = 4096  # fill/garbage bytes between header segments (normally 0)
MAX_JPEG_SCANS = 100  # scans of the primary image (baseline: 1, progressive: typically 10, mozjpeg ~20)
MAX_JPEG_SCAN_SEGMENTS = 1000  # DHT/DQT/COM... segments between scans (progressive: ~1 per scan)
MAX_PNG_CHUNKS = 20_000  # a 10 MB PNG with 8 KiB IDAT chunks has ~1,300

_NOT_FF = re.compile(rb"[^\xff]")
_STANDALONE_MARKERS = frozenset({0x01, 0xD8, *range(0xD0, 0xD8)})
# In entropy-coded data 0xFF is followed by 0x00 (stuffing), a restart marker or fill 0xFF; anything else
# is the next real marker.
_MARKER_AFTER_ENTROPY = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def precheck(data: bytes, sniffed: str, max_pixels: int) -> None:
    """Raise TruncatedImage/CorruptImage/DecompressionBomb for containers too odd to hand to Pillow."""
    if sniffed == "JPEG":
        _check_jpeg(data)
    elif sniffed == "PNG":
        _check_png(data)
    elif sniffed == "WEBP":
        _check_webp(data, max_pixels)


def bmff_truncated(data: bytes) -> bool:
    """True when the top-level ISO-BMFF (HEIF) boxes promise more bytes than the upload has."""
    off = 0
    while off + 8 <= len(data):
        size = int.from_bytes(data[off : off + 4], "big")
        if size == 1:
            if off + 16 > len(data):
                return True
            size = int.from_bytes(data[off + 8 : off + 16], "big")
        elif size == 0:  # "extends to the end of the file"
            return False
        if size < 8:
            return False  # malformed rather than cut short
        if off + size > len(data):
            return True
        off += size
    return off != len(data)


def _check_jpeg(data: bytes) -> None:
    off = _walk_jpeg_header(data)
    _walk_jpeg_scans(data, off)


def _walk_jpeg_header(data: bytes) -> int:
    """Segments up to the first SOS (parsed by Pillow in Python); returns the offset of the SOS length."""
    off, segments, junk = 2, 0, 0
    end = len(data)
    while True:
        if off >= end:
            raise TruncatedImage(detail="JPEG ends before its first scan")
        if data[off] != 0xFF:  # garbage between segments: libjpeg tolerates a little, so do we
            nxt = data.find(b"\xff", off)
            if nxt < 0:
                raise TruncatedImage(detail="JPEG ends before its first scan")
            junk += nxt - off
            off = nxt
        match = _NOT_FF.search(data, off)  # skip the 0xFF and any fill bytes
        if match is None:
            raise TruncatedImage(detail="JPEG ends in fill bytes")
        junk += match.start() - off - 1
        if junk > MAX_JPEG_JUNK_BYTES:
            raise CorruptImage(detail=f"more than {MAX_JPEG_JUNK_BYTES} junk/fill bytes between JPEG segments")
        marker = data[match.start()]
        off = match.start() + 1
        segments += 1
        if segments > MAX_JPEG_HEADER_SEGMENTS:
            raise CorruptImage(detail=f"more than {MAX_JPEG_HEADER_SEGMENTS} JPEG header segments")
        if marker == 0xDA:
            return off
        if marker == 0xD9:
            raise CorruptImage(detail="JPEG end-of-image before any scan")
        if marker in _STANDALONE_MARKERS:
            continue
        if off + 2 > end:
            raise TruncatedImage(detail="JPEG segment header cut short")
        length = int.from_bytes(data[off : off + 2], "big")
        if length < 2:
            raise CorruptImage(detail=f"JPEG segment {marker:#04x} with length {length}")
        off += length


def _walk_jpeg_scans(data: bytes, off: int) -> None:
    """Count the primary image's scans up to its EOI; anything after EOI (MPO frames, the video of a
    "motion photo") is never decoded and not counted. `off` is the offset of the first SOS length."""
    scans, segments = 0, 0
    end = len(data)
    while True:  # off: the length field of an SOS segment
        scans += 1
        if scans > MAX_JPEG_SCANS:
            raise CorruptImage(detail=f"more than {MAX_JPEG_SCANS} JPEG scans")
        if off + 2 > end:
            raise TruncatedImage(detail="JPEG scan header cut short")
        match = _MARKER_AFTER_ENTROPY.search(data, off + int.from_bytes(data[off : off + 2], "big"))
        while True:  # segments between this scan's data and the next scan or the end of the image
            if match is None:
                raise TruncatedImage(detail="JPEG ends inside scan data (no end-of-image marker)")
            marker, pos = data[match.start() + 1], match.start() + 2
            if marker == 0xD9:
                return
            if marker == 0xDA:
                off = pos
                break
            segments += 1
            if segments > MAX_JPEG_SCAN_SEGMENTS:
                raise CorruptImage(detail=f"more than {MAX_JPEG_SCAN_SEGMENTS} JPEG segments between scans")
            if marker in _STANDALONE_MARKERS or pos + 2 > end:
                match = _MARKER_AFTER_ENTROPY.search(data, pos)
                continue
            match = _MARKER_AFTER_ENTROPY.search(data, pos + int.from_bytes(data[pos : pos + 2], "big"))


def _check_png(data: bytes) -> None:
    off, chunks = 8, 0
    end = len(data)
    while off + 8 <= end:
        length = int.from_bytes(data[off : off + 4], "big")
        kind = data[off + 4 : off + 8]
        off += 12 + length
        chunks += 1
        if off > end:
            raise TruncatedImage(detail=f"PNG chunk {kind!r} runs past the end")
        if kind == b"IEND":
            return
        if chunks > MAX_PNG_CHUNKS:
            raise CorruptImage(detail=f"more than {MAX_PNG_CHUNKS} PNG chunks")
    raise TruncatedImage(detail="PNG without IEND chunk")


def _check_webp(data: bytes, max_pixels: int) -> None:
    if int.from_bytes(data[4:8], "little") + 8 > len(data):
        raise TruncatedImage(detail="RIFF size larger than the upload")
    # libwebp allocates the whole canvas when Pillow opens the file: check the declared size first.
    declared = webp_declared_size(data)
    if declared and declared[0] * declared[1] > max_pixels:
        raise DecompressionBomb(detail=f"WebP header size {declared}")


def webp_declared_size(data: bytes) -> tuple[int, int] | None:
    """Canvas size from the first WebP chunk (VP8X, VP8 or VP8L), None when it cannot be read."""
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30:
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    return None
