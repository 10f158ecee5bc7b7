"""`flask components import`: load a GeoJSON or CSV file of components into the registry, all or nothing.

The file is streamed in batches: each row is checked (code, type, departments, status, coordinates and their CRS),
converted to CGCS2000, placed in the gazetteer (unit grid, community, street, 方位描述) and written to a staging
table (COPY on PostgreSQL). Duplicate codes are found in the staging table, then one set-based upsert merges it
into `components` (`--replace` also deletes what the file does not hold). Everything runs in one transaction: when
any row is bad the registry is left as it was, unless bad rows are to be skipped; bad rows go to a report file.
"""

from __future__ import annotations

import csv
import io
import math
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection
from tqdm import tqdm

from intake.components import parse_code
from intake.geo.crs import CRS_NAMES, to_cgcs2000_many
from intake.geo.gazetteer import GazetteerError, iter_features
from intake.taxonomy import load_directory
from service_api.cases import intake_runtime
from service_api.components.vocab import CSV_HEADER, FORMATS, SOURCE_IMPORT, STATUS_BY_WORD
from service_api.extensions import db
from service_api.models import Department, utcnow

BATCH = 10_000
STAGING = "component_import"
# Columns written to the staging table, in COPY order (line first: where the row came from).
STAGED = ("line", "code", "type_code", "name", "owner_code", "maintainer_code", "status", "lat", "lng",
          "grid_code", "community_code", "street_code", "district_code", "location_description")
MERGED = STAGED[1:]
UPDATABLE = tuple(c for c in MERGED if c != "code")
# GeoJSON `crs` member names (OGC URNs, EPSG codes, or the Chinese web systems by name) → our CRS keys.
CRS_ALIASES = {"4490": "cgcs2000", "4326": "wgs84", "crs84": "wgs84", "gcj02": "gcj02", "gcj-02": "gcj02",
               "bd09": "bd09", "bd-09": "bd09", "wgs84": "wgs84", "wgs-84": "wgs84", "cgcs2000": "cgcs2000"}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not the format it claims, a wrong header, an unknown file CRS)."""


@dataclass(frozen=True)
class BadRow:
    line: int
    code: str
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    bad: int = 0
    applied: bool = False
    bad_examples: list[BadRow] = field(default_factory=list)
    report_path: Path | None = None
    unit: str = "line"  # CSV rows are named by line number, GeoJSON rows by feature number

    def summary(self) -> str:
        if not self.applied:
            return (f"未导入：{self.bad} 行有误（共读取 {self.rows} 行），部件库未改动。"
                    f"逐行原因见 {self.report_path}；改正后重新导入，或加 --skip-bad 跳过错误行")
        text_ = (f"已导入 {self.rows - self.bad} 行：新增 {self.inserted}，更新 {self.updated}，未变 {self.unchanged}"
                 + (f"，删除 {self.deleted}" if self.deleted else ""))
        return text_ + (f"；跳过错误行 {self.bad}，见 {self.report_path}" if self.bad else "")


@dataclass
class _Raw:
    line: int
    values: dict[str, Any]


# ------------------------------------------------------------------------------------------------ readers


def detect_format(path: Path, given: str | None) -> str:
    if given:
        return given
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix == ".csv":
        return "csv"
    raise ImportFileError(f"无法从扩展名判断格式：{path.name}；请用 --format {'|'.join(FORMATS)}")


def read_csv(path: Path, progress: Callable[[int], None]) -> Iterator[_Raw]:
    with path.open("rb") as raw:
        handle = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        reader = csv.reader(handle)
        try:
            header = [h.strip().lower() for h in next(reader)]
        except StopIteration:
            raise ImportFileError("文件为空") from None
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"文件不是 UTF-8 编码：{exc}") from None
        if tuple(header) != CSV_HEADER:
            raise ImportFileError(f"CSV 表头应为 {','.join(CSV_HEADER)}，实际为 {','.join(header)}")
        count = 0
        try:
            for row in reader:
                count += 1
                if count % 5000 == 0:
                    progress(raw.tell())
                if not any(cell.strip() for cell in row):
                    continue
                if len(row) != len(CSV_HEADER):
                    yield _Raw(reader.line_num, {"_error": f"应有 {len(CSV_HEADER)} 列，实际 {len(row)} 列",
                                                 "code": row[0] if row else ""})
                    continue
                yield _Raw(reader.line_num, dict(zip(CSV_HEADER, row, strict=True)))
        except UnicodeDecodeError as exc:
            raise ImportFileError(f"文件不是 UTF-8 编码（第 {reader.line_num} 行附近）：{exc}") from None
        except csv.Error as exc:
            raise ImportFileError(f"CSV 格式错误（第 {reader.line_num} 行）：{exc}") from None
        progress(raw.tell())


def file_crs(member: Any) -> str:
    """Our key for the CRS a GeoJSON `crs` member names; ImportFileError when unknown."""
    name = str(((member or {}).get("properties") or {}).get("name", "")) if isinstance(member, dict) else ""
    key = name.strip().lower()
    for alias, crs in CRS_ALIASES.items():
        if key.endswith(alias):
            return crs
    raise ImportFileError(f"未知的坐标系 crs {name!r}；可用 EPSG:4490（CGCS2000）、EPSG:4326（WGS-84）、gcj02、bd09")


def read_geojson(path: Path, progress: Callable[[int], None]) -> Iterator[_Raw]:
    crs = {"key": "wgs84"}

    def on_crs(member: Any) -> None:
        crs["key"] = file_crs(member)

    number = 0
    try:
        for feature in iter_features(path, progress=lambda done, total: progress(done), on_crs=on_crs):
            number += 1
            yield _Raw(number, _feature_values(feature, crs["key"]))
    except GazetteerError as exc:
        raise ImportFileError(f"GeoJSON 无法读取：{exc}") from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"文件不是 UTF-8 编码：{exc}") from None


def _feature_values(feature: Any, crs: str) -> dict[str, Any]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return {"_error": "不是 GeoJSON Feature", "code": ""}
    props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
    values = {key: props.get(key) for key in ("code", "type", "name", "owner", "maintainer", "status")}
    values["crs"] = crs
    geometry = feature.get("geometry")
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") != "Point" or not isinstance(coords, list) \
            or len(coords) < 2:
        values["_error"] = "几何应为 Point"
        return values
    values["lng"], values["lat"] = coords[0], coords[1]
    return values


# ------------------------------------------------------------------------------------------------ checks


@dataclass
class _Checked:
    line: int
    code: str
    type_code: str
    name: str
    owner: str
    maintainer: str | None
    status: str
    lat: float
    lng: float
    crs: str


class RowChecker:
    """The per-row rules; what needs the database (departments, served areas) is read once."""

    def __init__(self) -> None:
        self.types = {m.code: m.name for m in load_directory().components()}
        self.departments = {code for (code,) in db.session.query(Department.code)}
        gazetteer = intake_runtime.geocoder().gaz
        layer = gazetteer.layers.get("district")
        self.areas = set(layer.codes) if layer is not None else set()
        self.area_names = dict(zip(layer.codes, layer.names, strict=True)) if layer is not None else {}

    def check(self, raw: _Raw) -> _Checked | BadRow:
        v = raw.values
        code = _text(v.get("code"))
        if v.get("_error"):
            return BadRow(raw.line, code, v["_error"])
        try:
            parsed = parse_code(code)
        except ValueError as exc:
            return BadRow(raw.line, code, str(exc))
        type_code = _text(v.get("type"))
        if type_code not in self.types:
            return BadRow(raw.line, code, f"未知的部件类型 {type_code!r}（应为部件目录中管理部件的5位代码）")
        if parsed.type_code != type_code:
            return BadRow(raw.line, code, f"标识码中的类型 {parsed.type_code} 与 type 列 {type_code} 不一致")
        if parsed.area not in self.areas:
            return BadRow(raw.line, code, f"标识码中的区划代码 {parsed.area} 不在本平台服务范围")
        owner, maintainer = _text(v.get("owner")), _text(v.get("maintainer")) or None
        if not owner:
            return BadRow(raw.line, code, "缺少权属单位 owner")
        if owner not in self.departments:
            return BadRow(raw.line, code, f"未知的权属单位 {owner!r}（应为部门代码）")
        if maintainer is not None and maintainer not in self.departments:
            return BadRow(raw.line, code, f"未知的养护单位 {maintainer!r}（应为部门代码）")
        status = STATUS_BY_WORD.get(_text(v.get("status")) or "完好")
        if status is None:
            return BadRow(raw.line, code, f"未知的状态 {_text(v.get('status'))!r}（完好、损坏、丢失、占用、废弃）")
        crs = _text(v.get("crs")).lower().replace("-", "").replace("_", "") or "wgs84"
        if crs not in CRS_NAMES:
            return BadRow(raw.line, code, f"未知的坐标系 {crs!r}（wgs84、gcj02、bd09、cgcs2000）")
        try:
            lat, lng = float(v.get("lat")), float(v.get("lng"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return BadRow(raw.line, code, "经纬度不是数字")
        if not (math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180):
            return BadRow(raw.line, code, "经纬度超出范围")
        name = _text(v.get("name")) or self.types[type_code]
        if len(name) > 64:
            return BadRow(raw.line, code, "名称超过64个字")
        return _Checked(raw.line, code, type_code, name, owner, maintainer, status, lat, lng, crs)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


# ------------------------------------------------------------------------------------------------ staging


class _Staging:
    """The staging table in the import's transaction: COPY on PostgreSQL, batched inserts on SQLite."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.postgres = conn.dialect.name == "postgresql"
        conn.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))
        conn.execute(text(
            f"CREATE TEMP TABLE {STAGING} (line integer NOT NULL, code varchar(17) NOT NULL, "
            "type_code varchar(5) NOT NULL, name varchar(64) NOT NULL, owner_code varchar(40) NOT NULL, "
            "maintainer_code varchar(40), status varchar(12) NOT NULL, lat double precision NOT NULL, "
            "lng double precision NOT NULL, grid_code varchar(16), community_code varchar(16), "
            "street_code varchar(16), district_code varchar(8), location_description varchar(255))"
            + (" ON COMMIT DROP" if self.postgres else "")))

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            raw = self.conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {STAGING} ({', '.join(STAGED)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in STAGED)
            self.conn.connection.dbapi_connection.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {STAGING} ({', '.join(STAGED)}) VALUES ({marks})", rows)

    def finish(self) -> None:
        self.conn.execute(text(f"CREATE INDEX ix_{STAGING}_code ON {STAGING} (code)"))
        if self.postgres:
            self.conn.execute(text(f"ANALYZE {STAGING}"))

    def duplicates(self) -> list[BadRow]:
        rows = self.conn.execute(text(
            f"SELECT s.line, s.code, d.first_line FROM {STAGING} s JOIN (SELECT code, min(line) AS first_line "
            f"FROM {STAGING} GROUP BY code HAVING count(*) > 1) d ON s.code = d.code "
            "WHERE s.line <> d.first_line ORDER BY s.line"))
        return [BadRow(line, code, f"文件内重复的标识码（首次出现在第 {first} 行）") for line, code, first in rows]

    def drop_lines(self, lines: list[int]) -> None:
        for start in range(0, len(lines), 5000):
            chunk = lines[start:start + 5000]
            self.conn.execute(text(f"DELETE FROM {STAGING} WHERE line IN ({', '.join(map(str, chunk))})"))

    def merge(self, replace: bool) -> tuple[int, int, int, int]:
        """Upsert the staged rows; returns (inserted, updated, unchanged, deleted)."""
        conn = self.conn
        staged = conn.execute(text(f"SELECT count(*) FROM {STAGING}")).scalar_one()
        existing = conn.execute(text(
            f"SELECT count(*) FROM {STAGING} s JOIN components c ON c.code = s.code")).scalar_one()
        deleted = 0
        if replace:
            deleted = conn.execute(text(
                f"DELETE FROM components WHERE NOT EXISTS (SELECT 1 FROM {STAGING} s "
                "WHERE s.code = components.code)")).rowcount
        if self.postgres:
            changed = " OR ".join(f"components.{c} IS DISTINCT FROM excluded.{c}" for c in UPDATABLE)
        else:
            changed = " OR ".join(f"components.{c} IS NOT excluded.{c}" for c in UPDATABLE)
        sets = ", ".join(f"{c} = excluded.{c}" for c in UPDATABLE)
        result = conn.execute(text(
            f"INSERT INTO components ({', '.join(MERGED)}, source, updated_at) "
            f"SELECT {', '.join(MERGED)}, :source, :now FROM {STAGING} WHERE true "
            f"ON CONFLICT (code) DO UPDATE SET {sets}, source = excluded.source, updated_at = excluded.updated_at "
            f"WHERE {changed}"), {"source": SOURCE_IMPORT, "now": _db_now(conn)})
        inserted = staged - existing
        updated = result.rowcount - inserted
        if not self.postgres:
            conn.execute(text(f"DROP TABLE {STAGING}"))
        return inserted, updated, existing - updated, deleted

    def discard(self) -> None:
        if not self.postgres:
            self.conn.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))


def _db_now(conn: Connection) -> Any:
    now = utcnow()
    return now.replace(tzinfo=None) if conn.dialect.name == "sqlite" else now


# ------------------------------------------------------------------------------------------------ the import


class _BadLog:
    """Bad rows, written to the report file as they are found (a bad 3-million-row file is not kept in memory)."""

    def __init__(self, path: Path, unit: str) -> None:
        self.path = path
        self.unit = unit
        self.count = 0
        self.examples: list[BadRow] = []
        self._fh: Any = None
        self._writer: Any = None

    def add(self, bad: BadRow) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("w", encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._fh)
            self._writer.writerow([self.unit, "code", "reason"])
        self._writer.writerow([bad.line, bad.code, bad.reason])
        self.count += 1
        if len(self.examples) < 20:
            self.examples.append(bad)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()


def import_components(path: Path, *, fmt: str | None = None, replace: bool = False, skip_bad: bool = False,
                      report_path: Path | None = None, progress: bool | None = None) -> ImportResult:
    """Import a components file (see the module doc). ImportFileError when the file cannot be read at all."""
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"文件不存在：{path}")
    fmt = detect_format(path, fmt)
    unit = "line" if fmt == "csv" else "feature"
    report_path = report_path or Path(f"{path.name}.errors.csv")
    if report_path.exists():
        report_path.unlink()  # an old report would describe another run
    show = sys.stderr.isatty() if progress is None else progress
    bar = tqdm(total=os.path.getsize(path), unit="B", unit_scale=True, desc="部件导入", disable=not show)

    def advance(done: int) -> None:
        bar.update(max(0, done - bar.n))

    reader = read_csv(path, advance) if fmt == "csv" else read_geojson(path, advance)
    checker = RowChecker()
    bad = _BadLog(report_path, unit)
    result = ImportResult(unit=unit)
    conn = db.session.connection()
    staging = _Staging(conn)
    try:
        batch: list[_Checked] = []
        for raw in reader:
            result.rows += 1
            checked = checker.check(raw)
            if isinstance(checked, BadRow):
                bad.add(checked)
                continue
            batch.append(checked)
            if len(batch) >= BATCH:
                staging.write(_place(batch, checker, bad))
                batch = []
        staging.write(_place(batch, checker, bad))
        staging.finish()
        duplicates = staging.duplicates()
        for dup in duplicates:
            bad.add(dup)
        bar.close()
        result.bad, result.bad_examples = bad.count, bad.examples
        result.report_path = report_path if bad.count else None
        if bad.count and not skip_bad:
            staging.discard()
            db.session.rollback()
            return result
        # Other bad rows never reached the staging table; of a duplicated code, the first row is kept.
        staging.drop_lines([dup.line for dup in duplicates])
        result.inserted, result.updated, result.unchanged, result.deleted = staging.merge(replace)
        db.session.commit()
        result.applied = True
        return result
    except BaseException:
        db.session.rollback()
        raise
    finally:
        bar.close()
        bad.close()


def _place(batch: list[_Checked], checker: RowChecker, bad: _BadLog) -> list[tuple]:
    """Convert a batch to CGCS2000 and place it in the gazetteer; rows outside the served area become bad rows."""
    if not batch:
        return []
    lat = np.array([r.lat for r in batch])
    lng = np.array([r.lng for r in batch])
    crs = np.array([r.crs for r in batch])
    for key in set(crs.tolist()):
        mask = crs == key
        lat[mask], lng[mask] = to_cgcs2000_many(lat[mask], lng[mask], key)
    places = intake_runtime.geocoder().reverse_many(lat, lng, "cgcs2000")
    out: list[tuple] = []
    for row, la, ln, place in zip(batch, lat.tolist(), lng.tolist(), places, strict=True):
        if place.district_code is None:
            bad.add(BadRow(row.line, row.code, f"坐标 {row.lng},{row.lat}（{row.crs}）不在本平台服务范围内"))
            continue
        if place.district_code != row.code[:6]:
            bad.add(BadRow(row.line, row.code, f"坐标位于{place.district_name or place.district_code}，"
                                               f"与标识码中的区划代码 {row.code[:6]} 不一致"))
            continue
        out.append((row.line, row.code, row.type_code, row.name, row.owner, row.maintainer, row.status, la, ln,
                    place.grid_code, place.community_code, place.street_code, place.district_code,
                    (place.description or "")[:255] or None))
    return out
