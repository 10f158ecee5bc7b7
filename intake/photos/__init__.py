"""Photo intake: validate an uploaded photo by content, read its EXIF facts, store a clean copy.

    photo = process_photo(upload_bytes)          # raises PhotoError (code/message) on refusal
    full, thumb = save_processed(photo, root)    # atomic, idempotent, OSError on a full disk

Pure library: no Flask, no database.
"""

from __future__ import annotations

from .errors import (
    CorruptImage,
    DecompressionBomb,
    NotAnImage,
    PhotoError,
    TooLarge,
    TooManyPixels,
    TruncatedImage,
    UnsupportedFormat,
)
from .process import MIME, ProcessedPhoto, process_photo
from .store import save_processed, store_path

__all__ = [
    "MIME",
    "CorruptImage",
    "DecompressionBomb",
    "NotAnImage",
    "PhotoError",
    "ProcessedPhoto",
    "TooLarge",
    "TooManyPixels",
    "TruncatedImage",
    "UnsupportedFormat",
    "process_photo",
    "save_processed",
    "store_path",
]
