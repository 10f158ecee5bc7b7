"""The photo pipeline: bytes of an upload in, a clean re-encoded JPEG + thumbnail + EXIF facts out.

Order matters and is deliberate:
1. byte limit, then content sniffing (never the file name), then only the matching Pillow decoder;
2. the pixel count from the header is checked *before* any decoding (decompression bombs);
3. JPEG draft mode so large photos are decoded at 1/2, 1/4 or 1/8 scale by libjpeg itself;
4. a full decode with truncation refused (no silent grey padding);
5. downscale, then EXIF orientation (rotating the smaller image gives the same pixels for less work),
   then everything else about the original is dropped: the output is built from pixels only, so no
   EXIF, XMP, comment or ICC profile (colours are converted to sRGB first) can leak.

Every failure leaves as a `PhotoError`; a bug or an unexpected library error becomes `CorruptImage`.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import pillow_heif
from PIL import Image, ImageCms, ImageFile

from . import exif as exif_facts
from . import structure
from .errors import (
    CorruptImage,
    DecompressionBomb,
    PhotoError,
    TooLarge,
    TruncatedImage,
    UnsupportedFormat,
)
from .sniff import sniff_format

log = logging.getLogger(__name__)

pillow_heif.register_heif_opener()

MIME: Final = "image/jpeg"
JPEG_QUALITY: Final = 85
THUMB_QUALITY: Final = 80
# The stored long side is max_side, or anything down to SCALE_SLACK * max_side when a 1/2, 1/4 or 1/8
# reduction lands there: 4000x3000 becomes 2000x1500 through JPEG draft decoding (or a box reduction for
# other formats) instead of a full decode plus a Lanczos pass over every pixel.
SCALE_SLACK: Final = 0.9
WHITE: Final = (255, 255, 255)

# What each sniffed format may be opened as (cameras write multi-picture JPEGs that Pillow calls MPO).
_PILLOW_FORMATS: Final = {"JPEG": ("JPEG",), "PNG": ("PNG",), "WEBP": ("WEBP",), "HEIF": ("HEIF",)}
_ACCEPTED_PILLOW_FORMATS: Final = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WEBP", "HEIF": "HEIF"}

_TRANSPOSE: Final = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo ready to store. Sizes are after orientation; `width`/`height` also after downscaling."""

    sha256: str  # hex digest of the ORIGINAL upload bytes: the same upload twice has the same id
    width: int
    height: int
    original_width: int
    original_height: int
    format: str  # "JPEG" | "PNG" | "WEBP" | "HEIF": what was uploaded
    gps: tuple[float, float] | None  # (lat, lng), WGS-84 decimal degrees
    taken_at: datetime | None  # aware, UTC
    image_bytes: bytes
    thumb_bytes: bytes
    mime: str = MIME

    def __repr__(self) -> str:  # keep the image bytes out of logs and tracebacks
        return (
            f"ProcessedPhoto(sha256={self.sha256!r}, {self.width}x{self.height} from "
            f"{self.original_width}x{self.original_height} {self.format}, gps={self.gps!r}, "
            f"taken_at={self.taken_at!r}, image={len(self.image_bytes)} B, thumb={len(self.thumb_bytes)} B)"
        )


def process_photo(
    data: bytes,
    *,
    max_bytes: int = 10 * 1024 * 1024,
    max_pixels: int = 40_000_000,
    max_side: int = 2048,
    thumb_side: int = 320,
) -> ProcessedPhoto:
    """Validate, decode, orient, strip and re-encode one uploaded photo. Raises only `PhotoError`."""
    if not isinstance(data, bytes):
        data = bytes(data)  # bytearray / memoryview from a request stream
    if len(data) > max_bytes:
        raise TooLarge(detail=f"{len(data)} bytes > {max_bytes}")
    if not data:
        raise CorruptImage("上传的文件为空。", detail="empty upload")
    sniffed = sniff_format(data)
    try:
        return _process(data, sniffed, max_pixels=max_pixels, max_side=max_side, thumb_side=thumb_side)
    except PhotoError:
        raise
    except MemoryError as exc:
        raise DecompressionBomb(detail=f"out of memory: {exc}") from None
    except Exception as exc:
        log.warning("photo decode failed unexpectedly (%s): %r", sniffed, exc)
        raise CorruptImage(detail=f"{type(exc).__name__}: {exc}") from None


def _process(data: bytes, sniffed: str, *, max_pixels: int, max_side: int, thumb_side: int) -> ProcessedPhoto:
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # somebody flipped the global; truncation must stay an error here
        log.warning("PIL.ImageFile.LOAD_TRUNCATED_IMAGES was True; resetting it to False")
        ImageFile.LOAD_TRUNCATED_IMAGES = False
    structure.precheck(data, sniffed, max_pixels)

    img = _open(data, sniffed, max_pixels)
    fmt = _ACCEPTED_PILLOW_FORMATS.get(img.format or "")
    if fmt is None or fmt != sniffed:
        raise UnsupportedFormat(detail=f"sniffed {sniffed}, Pillow says {img.format}")
    raw_w, raw_h = img.size

    if fmt == "JPEG":
        _draft(img, max_side)
    _load(img, data, sniffed)
    if img.size[0] * img.size[1] > max_pixels:  # HEIF may decode to a size other than its header's
        raise DecompressionBomb(detail=f"decoded {img.size}")

    meta = exif_facts.read_exif(img)  # after load: PNG may carry eXIf after the pixel data
    turn = exif_facts.orientation(meta)
    original_w, original_h = (raw_h, raw_w) if turn >= 5 else (raw_w, raw_h)

    icc = img.info.get("icc_profile")
    img = _normalise_mode(img, icc)
    img = _fit(img, max_side, slack=SCALE_SLACK)  # the long side does not depend on orientation
    for method in _TRANSPOSE.get(turn, ()):  # so rotate the smaller image: same result, less work
        img = img.transpose(method)
    img = _flatten(img, icc)
    thumb = _fit(img, thumb_side)

    return ProcessedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        width=img.width,
        height=img.height,
        original_width=original_w,
        original_height=original_h,
        format=fmt,
        gps=exif_facts.gps(meta),
        taken_at=exif_facts.taken_at(meta),
        image_bytes=_encode(img, JPEG_QUALITY),
        thumb_bytes=_encode(thumb, THUMB_QUALITY),
    )


def _open(data: bytes, sniffed: str, max_pixels: int) -> ImageFile.ImageFile:
    """Parse the header only, with the decoder of the sniffed format; refuse bombs before decoding."""
    # Pillow's own bomb check uses the process-global MAX_IMAGE_PIXELS (warning above it, error above
    # twice it). We do not touch that global (not thread-safe); our stricter per-call limit follows.
    try:
        img = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS[sniffed])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(detail=str(exc)) from None
    except Image.UnidentifiedImageError as exc:
        raise _decode_error(data, sniffed, exc) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError) as exc:
        raise _decode_error(data, sniffed, exc) from None
    width, height = img.size
    if width <= 0 or height <= 0:
        raise CorruptImage(detail=f"header size {img.size}")
    if width * height > max_pixels:
        raise DecompressionBomb(detail=f"header size {width}x{height} > {max_pixels} pixels")
    return img  # type: ignore[return-value]


def _draft(img: Image.Image, max_side: int) -> None:
    """Ask libjpeg to decode at the smallest 1/s scale still close enough to max_side (see SCALE_SLACK)."""
    long_side, short_side = max(img.size), min(img.size)
    scale = 1
    for s in (8, 4, 2):
        if long_side // s >= max_side * SCALE_SLACK and short_side // s >= 1:
            scale = s
            break
    if scale > 1:
        img.draft("RGB", (img.size[0] // scale, img.size[1] // scale))


def _load(img: Image.Image, data: bytes, sniffed: str) -> None:
    """Decode every pixel now, so a truncated or corrupt file fails here and not half-way through saving."""
    try:
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DecompressionBomb(detail=str(exc)) from None
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, TypeError) as exc:
        raise _decode_error(data, sniffed, exc) from None


def _decode_error(data: bytes, sniffed: str, exc: BaseException) -> PhotoError:
    """Truncated when the decoder says so or the container is visibly cut short; corrupt otherwise."""
    text = str(exc).lower()
    if "truncated" in text or "premature end" in text or isinstance(exc, EOFError):
        return TruncatedImage(detail=str(exc))
    if (sniffed == "HEIF" and structure.bmff_truncated(data)) or (sniffed == "JPEG" and b"\xff\xd9" not in data):
        return TruncatedImage(detail=str(exc))
    return CorruptImage(detail=f"{sniffed}: {type(exc).__name__}: {exc}")


def _normalise_mode(img: Image.Image, icc: bytes | None) -> Image.Image:
    """Bring any decoded mode to L, LA, RGB or RGBA (the modes Lanczos resizing handles well)."""
    mode = img.mode
    if mode in ("RGB", "RGBA", "L", "LA"):
        return img
    if mode == "CMYK":
        converted = _to_srgb(img, icc, "CMYK")
        return converted if converted is not None else img.convert("RGB")
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in img.info
        return img.convert("RGBA" if has_alpha else "RGB")
    if mode == "1":
        return img.convert("L")
    if mode in ("RGBa", "RGBX"):
        return img.convert("RGBA" if mode == "RGBa" else "RGB")
    if mode == "La":
        return img.convert("LA")
    if mode.startswith("I;16") or mode in ("I", "F"):
        # 16-bit greyscale (PNG): scale 0..65535 to 0..255 instead of clipping to white.
        return img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return img.convert("RGB")


def _fit(img: Image.Image, side: int, *, slack: float = 1.0) -> Image.Image:
    """Scale down so the long side is at most `side` (never up).

    With slack < 1, a plain 1/2, 1/4 or 1/8 box reduction is used when it lands between slack*side and
    side: it costs a fraction of a Lanczos pass over a 12 MP image and looks the same.
    """
    long_side = max(img.size)
    if long_side <= side:
        return img
    for k in (8, 4, 2):
        if side * slack <= -(-long_side // k) <= side and min(img.size) >= k:
            return img.reduce(k)
    ratio = side / long_side
    size = (max(1, round(img.width * ratio)), max(1, round(img.height * ratio)))
    return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _flatten(img: Image.Image, icc: bytes | None) -> Image.Image:
    """RGB on white, in sRGB, as a fresh image that carries no `info` from the original."""
    if img.mode in ("RGBA", "LA"):
        rgba = img.convert("RGBA")
        base = Image.new("RGB", img.size, WHITE)
        base.paste(rgba, mask=rgba.getchannel("A"))
        img = base
    elif img.mode != "RGB":
        img = img.convert("RGB")
    converted = _to_srgb(img, icc, "RGB")
    if converted is not None:
        img = converted
    img.info = {}
    return img


_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(img: Image.Image, icc: bytes | None, mode: str) -> Image.Image | None:
    """Convert pixels from an embedded ICC profile to sRGB; None when there is nothing (sane) to do."""
    if not icc or img.mode != mode:
        return None
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        if mode == "RGB" and "srgb" in ImageCms.getProfileDescription(profile).lower():
            return None
        return ImageCms.profileToProfile(img, profile, _SRGB, outputMode="RGB")
    except Exception as exc:
        log.info("ignoring unusable ICC profile: %r", exc)
        return None


def _encode(img: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=quality, optimize=False, progressive=False)
    return out.getvalue()
