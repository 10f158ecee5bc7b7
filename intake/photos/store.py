"""Content-addressed photo files on local disk: root/ab/cd/<sha256>.jpg and root/ab/cd/<sha256>.thumb.jpg.

Writes are atomic (temp file in the same directory, fsync, os.replace), so a reader never sees half a
photo and a crash leaves at most a stray temp file. Storage errors (ENOSPC, EDQUOT, EROFS...) propagate as
OSError for the caller to map to 507/503; nothing here swallows them.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import tempfile
from pathlib import Path
from typing import Literal

from .process import ProcessedPhoto

_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_SUFFIX = {"full": ".jpg", "thumb": ".thumb.jpg"}


def store_path(sha256: str, root: Path, kind: Literal["full", "thumb"] = "full") -> Path:
    """Where the stored JPEG of `kind` for this digest lives. Raises ValueError for a non-digest."""
    if not isinstance(sha256, str) or not _SHA256_RE.match(sha256):
        raise ValueError(f"not a lowercase hex SHA-256 digest: {sha256!r}")
    if kind not in _SUFFIX:
        raise ValueError(f"kind must be 'full' or 'thumb', not {kind!r}")
    return Path(root) / sha256[0:2] / sha256[2:4] / f"{sha256}{_SUFFIX[kind]}"


def save_processed(photo: ProcessedPhoto, root: Path) -> tuple[Path, Path]:
    """Write the image and its thumbnail under `root`; a no-op for files that already exist.

    The thumbnail is written first, so an existing full image implies an existing thumbnail.
    Returns (full_path, thumb_path).
    """
    full = store_path(photo.sha256, root, "full")
    thumb = store_path(photo.sha256, root, "thumb")
    _write_once(thumb, photo.thumb_bytes)
    _write_once(full, photo.image_bytes)
    return full, thumb


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename durable. Not every platform can open a directory; that is not an error."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.EBADF):  # file systems that cannot sync a directory
            raise
    finally:
        os.close(fd)
