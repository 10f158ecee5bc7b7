"""The web app's script and style sheet: served gzipped with a content hash in the URL, cached for a year.

Phones on a slow network pay for every byte of the first load; there is no build step, so the files are
compressed once per process here rather than by a bundler. Leaflet (npm, static/vendor) is served the same way
for the report page's map pick, which loads it only when the resident opens the map.
"""

from __future__ import annotations

import gzip
import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent / "static"
_LEAFLET = STATIC_DIR.parent.parent / "static" / "vendor" / "node_modules" / "leaflet" / "dist"
# Files of npm packages served under a bare name (installed by `make setup`: npm install in static/vendor).
VENDOR = {"leaflet.js": _LEAFLET / "leaflet.js", "leaflet.css": _LEAFLET / "leaflet.css"}
TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    body: bytes
    gzipped: bytes
    digest: str
    mimetype: str


@cache
def asset(name: str) -> Asset | None:
    """A file of static/ by bare name (no folders), or None for anything else."""
    path = VENDOR.get(name) or STATIC_DIR / name
    if "/" in name or path.suffix not in TYPES or not path.is_file():
        return None
    body = path.read_bytes()
    return Asset(body, gzip.compress(body, 9, mtime=0), hashlib.sha256(body).hexdigest()[:12], TYPES[path.suffix])


def names() -> list[str]:
    """The app's own files."""
    return sorted(p.name for p in STATIC_DIR.iterdir() if p.suffix in TYPES)


def vendor_names() -> list[str]:
    """The npm files served beside them (those installed)."""
    return sorted(name for name, path in VENDOR.items() if path.is_file())
