"""`flask components import`: good files in both formats, every kind of bad row, re-import, --replace, --skip-bad."""

from __future__ import annotations

import csv

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
