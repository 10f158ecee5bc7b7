"""Helpers for the component tests: import files written row by row, and components loaded through the importer."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from intake.geo.distance import destination

HEADER = ["code", "type", "name", "lng", "lat", "crs", "owner", "maintainer", "status"]
# 香港中路12号 in the demo gazetteer (市南区, 370202007): where the tests' street lights stand.
BASE_LAT, BASE_LNG = 36.066408, 120.37069
LIGHT = "01037"  # 路灯 (a 管理部件 of the directory)
MANHOLE = "01001"  # 供水井盖


def code(type_code: str, seq: int, area: str = "370202") -> str:
    return f"{area}{type_code}{seq:06d}"


def row(type_code: str, seq: int, *, east_m: float = 0.0, north_m: float = 0.0, owner: str = "370202-ldgl",
        maintainer: str = "", status: str = "完好", name: str = "", crs: str = "wgs84", **over) -> dict:
    lat, lng = BASE_LAT, BASE_LNG
    if east_m:
        lat, lng = destination(lat, lng, 90.0, east_m)
    if north_m:
        lat, lng = destination(lat, lng, 0.0, north_m)
    data = {"code": code(type_code, seq), "type": type_code, "name": name, "lng": f"{lng:.7f}",
            "lat": f"{lat:.7f}", "crs": crs, "owner": owner, "maintainer": maintainer, "status": status}
    data.update(over)
    return data


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_geojson(path: Path, rows: list[dict], crs_name: str | None = None) -> Path:
    doc: dict = {"type": "FeatureCollection"}
    if crs_name:
        doc["crs"] = {"type": "name", "properties": {"name": crs_name}}
    doc["features"] = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [float(r["lng"]), float(r["lat"])]},
        "properties": {k: r[k] for k in ("code", "type", "name", "owner", "maintainer", "status")},
    } for r in rows]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.fixture
def load_components(app, tmp_path):
    """load_components(rows, **options) → ImportResult, through the same importer as the command."""
    from service_api.components.importer import import_components

    counter = {"n": 0}

    def load(rows: list[dict], **options):
        counter["n"] += 1
        path = write_csv(tmp_path / f"components-{counter['n']}.csv", rows)
        return import_components(path, report_path=tmp_path / f"errors-{counter['n']}.csv", progress=False,
                                 **options)

    return load


from tests.staff.conftest import staff_client  # noqa: E402,F401  (signed-in console clients)
