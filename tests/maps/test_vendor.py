"""The map library comes from npm (no CDN): package.json pins it, the lock file agrees, and every file the pages
load from static/vendor is there after `make setup` (npm install in service_api/static/vendor) in a fresh clone."""

from __future__ import annotations

import json
import re
from pathlib import Path

import service_api

VENDOR = Path(service_api.__file__).resolve().parent / "static" / "vendor"
# What the maps were built and measured with (bench/README "Maps"); a bump is a deliberate change of this test.
MAP_PINS = {"leaflet": "1.9.4", "supercluster": "8.0.1"}
REFERENCE = re.compile(r"vendor/node_modules/([\w@./-]+)")


def test_package_json_pins_the_map_libraries_exactly_and_the_lock_agrees() -> None:
    package = json.loads((VENDOR / "package.json").read_text())
    lock = json.loads((VENDOR / "package-lock.json").read_text())
    for name, version in MAP_PINS.items():
        assert package["dependencies"][name] == version  # exact: no ^ or ~ range
        assert lock["packages"][""]["dependencies"][name] == version
        locked = lock["packages"][f"node_modules/{name}"]
        assert locked["version"] == version and locked["integrity"].startswith("sha512-")
    # every package npm installs is in the lock, with its checksum, so a fresh install gets the same bytes
    for path, entry in lock["packages"].items():
        if path:
            assert entry.get("version") and entry.get("integrity", "").startswith("sha512-"), path


def test_every_vendor_file_the_pages_load_is_installed() -> None:
    root = VENDOR.parent.parent
    sources = [path for path in root.rglob("*") if path.suffix in (".html", ".js", ".py")
               and VENDOR not in path.parents]
    referenced = {match for path in sources for match in REFERENCE.findall(path.read_text(encoding="utf-8"))}
    assert {"leaflet/dist/leaflet.js", "leaflet/dist/leaflet.css",
            "supercluster/dist/supercluster.min.js"} <= referenced
    missing = sorted(name for name in referenced if not (VENDOR / "node_modules" / name).exists())
    assert not missing, f"run `make vendor` (npm install in {VENDOR}): missing {missing}"
