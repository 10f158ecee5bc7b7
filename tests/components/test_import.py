"""`flask components import`: good files in both formats, every kind of bad row, re-import, --replace, --skip-bad."""

from __future__ import annotations

import csv

import pytest

from service_api.components.models import Component
from service_api.extensions import db
from tests.components.conftest import LIGHT, MANHOLE, code, row, write_csv, write_geojson


def _codes() -> set[str]:
    return {c for (c,) in db.session.query(Component.code)}


def _report(path) -> list[dict]:
    with open(path, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def test_csv_import_places_components_in_the_gazetteer(app, tmp_path) -> None:
    path = write_csv(tmp_path / "c.csv", [
        row(LIGHT, 1, maintainer="370202-szfw", status="损坏", name="香港中路路灯1"),
        row(MANHOLE, 1, owner="qd-water"),
    ])
    result = app.test_cli_runner().invoke(args=["components", "import", str(path), "--report",
                                                str(tmp_path / "r.csv")])
    assert result.exit_code == 0, result.output
    assert "新增 2" in result.output
    light = db.session.get(Component, code(LIGHT, 1))
    assert (light.name, light.status, light.owner_code, light.maintainer_code) == (
        "香港中路路灯1", "damaged", "370202-ldgl", "370202-szfw")
    assert light.street_code == "370202007" and light.district_code == "370202"
    assert light.grid_code and light.grid_code.startswith("370202007")
    assert "香港中路" in (light.location_description or "")
    manhole = db.session.get(Component, code(MANHOLE, 1))
    assert manhole.name == "供水井盖"  # no name given: the type's name
    assert manhole.status == "intact"


def test_geojson_import_honours_the_files_crs(app, tmp_path, load_components) -> None:
    from intake.geo.crs import from_cgcs2000

    plain = row(LIGHT, 1)
    lat, lng = from_cgcs2000(float(plain["lat"]), float(plain["lng"]), "gcj02")
    shifted = {**plain, "lat": f"{lat:.8f}", "lng": f"{lng:.8f}"}
    path = write_geojson(tmp_path / "c.geojson", [shifted], crs_name="gcj02")
    from service_api.components.importer import import_components

    result = import_components(path, report_path=tmp_path / "r.csv", progress=False)
    assert result.applied and result.inserted == 1
    stored = db.session.get(Component, code(LIGHT, 1))
    # stored in CGCS2000: the GCJ-02 offset (hundreds of metres here) is undone
    assert abs(stored.lat - float(plain["lat"])) < 1e-6 and abs(stored.lng - float(plain["lng"])) < 1e-6


def test_each_kind_of_bad_row_is_reported_and_nothing_is_imported(app, tmp_path, load_components) -> None:
    load_components([row(LIGHT, 9)])
    rows = [
        row(LIGHT, 1),                                             # line 2: good
        row(LIGHT, 2, code="37020201037X00002"),                   # 3: malformed code
        row(LIGHT, 3, type=MANHOLE),                               # 4: code's type is not the type column
        row("99999", 4),                                           # 5: unknown type
        row(LIGHT, 5, owner="nobody"),                             # 6: unknown department
        row(LIGHT, 6, maintainer="nobody"),                        # 7: unknown maintainer
        row(LIGHT, 7, lat="37.5", lng="121.9"),                    # 8: outside the served area
        row(LIGHT, 1),                                             # 9: duplicate of line 2
        row(LIGHT, 8, crs="utm50"),                                # 10: unknown CRS
        row(LIGHT, 10, code="37028301037000010"),                  # 11: an area we do not serve
        row(LIGHT, 11, status="坏了"),                              # 12: unknown status
        row(LIGHT, 12, lat="north"),                               # 13: not a number
    ]
    result = load_components(rows)
    assert not result.applied
    reasons = {int(r["line"]): r["reason"] for r in _report(result.report_path)}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert "17位数字" in reasons[3]
    assert "不一致" in reasons[4]
    assert "未知的部件类型" in reasons[5]
    assert "权属单位" in reasons[6] and "养护单位" in reasons[7]
    assert "服务范围" in reasons[8]
    assert "重复" in reasons[9] and "第 2 行" in reasons[9]
    assert "坐标系" in reasons[10]
    assert "区划代码 370283" in reasons[11]
    assert "状态" in reasons[12]
    assert "数字" in reasons[13]
    assert _codes() == {code(LIGHT, 9)}  # the registry is as it was


def test_skip_bad_imports_the_good_rows(app, load_components) -> None:
    result = load_components([row(LIGHT, 1), row(LIGHT, 2, owner="nobody"), row(LIGHT, 1, name="第二次")],
                             skip_bad=True)
    assert result.applied and result.bad == 2 and result.inserted == 1
    assert db.session.get(Component, code(LIGHT, 1)).name == "路灯"  # the first of the duplicates is kept


def test_reimport_updates_by_code_and_replace_removes_the_rest(app, load_components) -> None:
    first = load_components([row(LIGHT, 1), row(LIGHT, 2), row(MANHOLE, 1, owner="qd-water")])
    assert (first.inserted, first.updated) == (3, 0)
    again = load_components([row(LIGHT, 1, status="丢失"), row(LIGHT, 2), row(LIGHT, 3)])
    assert (again.inserted, again.updated, again.unchanged, again.deleted) == (1, 1, 1, 0)
    assert db.session.get(Component, code(LIGHT, 1)).status == "lost"
    assert _codes() == {code(LIGHT, 1), code(LIGHT, 2), code(LIGHT, 3), code(MANHOLE, 1)}
    replaced = load_components([row(LIGHT, 2), row(LIGHT, 4)], replace=True)
    assert (replaced.inserted, replaced.unchanged, replaced.deleted) == (1, 1, 3)
    assert _codes() == {code(LIGHT, 2), code(LIGHT, 4)}


def test_a_wrong_header_is_refused_by_the_command(app, tmp_path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("code,kind,lng,lat\n1,2,3,4\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["components", "import", str(path)])
    assert result.exit_code != 0
    assert "表头" in result.output


def _mixed_rows() -> list[dict]:
    """Good rows, bad rows and names a CSV or COPY must quote or escape (a line break, a tab, a backslash)."""
    rows = [row(LIGHT, n, east_m=n % 50) for n in range(1, 41)]
    rows[3] = row(LIGHT, 4, name="香港中路\n路灯 4")          # a quoted line break: the rest are a line later
    rows[7] = row(LIGHT, 8, name='tab\there "引号" back\\slash')
    rows[12] = row(LIGHT, 13, owner="nobody")
    rows[25] = row(LIGHT, 26, lat="north")
    rows[33] = row(LIGHT, 1)                                  # repeats the first row's code
    return rows


def test_worker_processes_and_small_blocks_give_what_one_process_gives(app, tmp_path, monkeypatch) -> None:
    """Big files are read in blocks of whole rows and checked in forked workers: the report's line numbers, the
    rows and the names stored must be exactly those of the one-process reading."""
    from service_api.components import importer

    path = write_csv(tmp_path / "c.csv", _mixed_rows())
    alone = importer.import_components(path, report_path=tmp_path / "alone.csv", progress=False, workers=0)
    monkeypatch.setattr(importer, "BLOCK_BYTES", 300)  # a block is a few rows: rows cross block edges
    forked = importer.import_components(path, report_path=tmp_path / "forked.csv", progress=False, workers=2)
    assert not alone.applied and not forked.applied
    assert _report(alone.report_path) == _report(forked.report_path)
    lines = [int(r["line"]) for r in _report(forked.report_path)]
    # rows 13 and 26 (after the header and the two-line row 4: lines 15 and 28), the repeat on line 36
    assert sorted(lines) == [15, 28, 36]
    skipped = importer.import_components(path, report_path=tmp_path / "r.csv", progress=False, workers=2,
                                         skip_bad=True)
    assert skipped.applied and skipped.inserted == 37
    assert db.session.get(Component, code(LIGHT, 4)).name == "香港中路\n路灯 4"
    assert db.session.get(Component, code(LIGHT, 8)).name == 'tab\there "引号" back\\slash'


def test_loading_an_empty_registry_rebuilds_its_indexes(app, tmp_path, monkeypatch, load_components) -> None:
    """The first import builds the indexes after the rows (PostgreSQL): they are all there afterwards, the primary
    key still refuses a second row of a code, and the nearest search works."""
    from sqlalchemy import inspect

    from service_api.components import importer, spatial
    from tests.components.conftest import BASE_LAT, BASE_LNG

    before = {ix["name"] for ix in inspect(db.engine).get_indexes("components")}
    monkeypatch.setattr(importer, "REBUILD_INDEXES_FROM", 1)
    result = load_components([row(LIGHT, n, east_m=10 * n) for n in range(1, 6)])
    assert result.applied and result.inserted == 5
    assert {ix["name"] for ix in inspect(db.engine).get_indexes("components")} == before
    assert inspect(db.engine).get_pk_constraint("components")["constrained_columns"] == ["code"]
    assert spatial.nearest(BASE_LAT, BASE_LNG, 30, LIGHT).component.code == code(LIGHT, 1)
    again = load_components([row(LIGHT, 1, status="损坏"), row(LIGHT, 6)])  # not empty now: upserted
    assert (again.inserted, again.updated) == (1, 1)
    assert db.session.query(Component).count() == 6


def test_bad_geojson_features_are_reported_by_number(app, tmp_path) -> None:
    import json

    from service_api.components.importer import ImportFileError, import_components

    path = write_geojson(tmp_path / "c.geojson", [row(LIGHT, 1), row(LIGHT, 2, owner="nobody"), row(LIGHT, 3)])
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["features"][2]["geometry"] = {"type": "LineString", "coordinates": [[120.37, 36.06], [120.38, 36.07]]}
    doc["features"].append({"type": "Polygon"})
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = import_components(path, report_path=tmp_path / "r.csv", progress=False)
    assert not result.applied and _codes() == set()
    reasons = {int(r["feature"]): r["reason"] for r in _report(result.report_path)}
    assert sorted(reasons) == [2, 3, 4]
    assert "权属单位" in reasons[2] and "Point" in reasons[3] and "Feature" in reasons[4]
    other = write_geojson(tmp_path / "o.geojson", [row(LIGHT, 1)], crs_name="EPSG:32650")
    with pytest.raises(ImportFileError, match="坐标系"):
        import_components(other, report_path=tmp_path / "r2.csv", progress=False)
