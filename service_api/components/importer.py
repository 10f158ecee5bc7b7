"""`flask components import`: load a GeoJSON or CSV file of components into the registry, all or nothing.

The file is streamed in batches: each row is checked (code, type, departments, status, coordinates and their CRS),
converted to CGCS2000, placed in the gazetteer (unit grid, community, street, 方位描述) — in forked worker
processes for big files — and written to a staging table (COPY on PostgreSQL). Duplicate codes are found in the
staging table, then one set-based upsert merges it into `components` (`--replace` also deletes what the file does
not hold; loading an empty registry rebuilds its indexes afterwards instead of updating them row by row).
Everything runs in one transaction: when any row is bad the registry is left as it was, unless bad rows are to be
skipped; bad rows go to a report file with their line numbers.

Why one module of ~650 lines: it is one pipeline (read, check, place, stage, merge) in one transaction, whose
stages share the row layouts (`_Raw`, `_Checked`, `STAGED`) and the bad-row log; the checking functions that the
forked workers run, and the checker they inherit, must be module-level names anyway.
"""

from __future__ import annotations

import csv
import io
import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.pool import AsyncResult
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Connection
from tqdm import tqdm

from intake.components import AREA_LENGTH, CODE_LENGTH, TYPE_LENGTH, parse_code
from intake.geo.crs import CRS_NAMES, to_cgcs2000_many
from intake.geo.gazetteer import GazetteerError, iter_features
from intake.taxonomy import load_directory
from service_api.audit.actions import AuditAction
from service_api.audit.record import record
from service_api.cases import intake_runtime
from service_api.components.vocab import CSV_HEADER, FORMATS, INTACT, SOURCE_IMPORT, STATUS_BY_WORD, STATUS_TEXT
from service_api.extensions import db
from service_api.models import Department, utcnow

BATCH = 10_000  # GeoJSON features checked together
BLOCK_BYTES = 1 << 20  # CSV read in blocks of whole rows (~13,000 rows)
INTACT_WORD = STATUS_TEXT[INTACT]  # an empty status is 完好
# Files from this size are checked by worker processes (about 100,000 rows); smaller ones in the importing one.
WORKERS_FROM_BYTES = 8_000_000
MAX_WORKERS = 4
REBUILD_INDEXES_FROM = 50_000  # staged rows from which loading an empty registry rebuilds its indexes afterwards
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


class _Raw(NamedTuple):
    line: int
    values: list[Any]  # in CSV_HEADER order; GeoJSON features are put in the same order
    error: str | None = None


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


def _header(first_line: bytes) -> None:
    """Check the CSV header line; ImportFileError when the file is empty or the header is not ours."""
    try:
        text_ = first_line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"文件不是 UTF-8 编码：{exc}") from None
    if not text_.strip():
        raise ImportFileError("文件为空")
    header = [h.strip().lower() for h in next(csv.reader([text_]))]
    if tuple(header) != CSV_HEADER:
        raise ImportFileError(f"CSV 表头应为 {','.join(CSV_HEADER)}，实际为 {','.join(header)}")


def _csv_rows(text_: str, lines_before: int) -> list[_Raw]:
    """The rows of a piece of the CSV file (whole lines, after the header), numbered by their line in the file."""
    reader = csv.reader(io.StringIO(text_, newline=""))
    width = len(CSV_HEADER)
    out: list[_Raw] = []
    make = _Raw._make  # a few µs a row less than _Raw(...)
    try:
        for row in reader:
            if len(row) != width:
                if not any(cell.strip() for cell in row):
                    continue  # a blank line
                out.append(_Raw(lines_before + reader.line_num, [row[0] if row else ""],
                                f"应有 {width} 列，实际 {len(row)} 列"))
                continue
            out.append(make((lines_before + reader.line_num, row, None)))
    except csv.Error as exc:
        raise ImportFileError(f"CSV 格式错误（第 {lines_before + reader.line_num} 行）：{exc}") from None
    return out


def _cut(data: bytes) -> int:
    """The length of the longest start of `data` ending with a line break outside quotes (0: none yet).

    `data` starts at a row boundary, so a line break is outside quotes when an even number of quote characters
    precede it (a quote inside a quoted field is doubled)."""
    end = data.rfind(b"\n")
    while end >= 0:
        if data.count(b'"', 0, end) % 2 == 0:
            return end + 1
        end = data.rfind(b"\n", 0, end)
    return 0


def csv_blocks(path: Path, progress: Callable[[int], None]) -> Iterator[tuple[int, bytes]]:
    """The CSV file after its header in blocks of whole rows, with the number of lines before each block.

    Only bytes are handled here (the reading process does little more than read); each block is decoded and
    parsed where it is checked. A block never splits a row, even one with a line break inside quotes."""
    with path.open("rb") as fh:
        _header(fh.readline())
        lines_before = 1
        carry = b""
        while True:
            chunk = fh.read(BLOCK_BYTES)
            data = carry + chunk
            if not chunk:
                if data:
                    yield lines_before, data
                progress(fh.tell())
                return
            cut = _cut(data)
            if cut == 0:
                carry = data  # one row longer than a block: read on
                continue
            block, carry = data[:cut], data[cut:]
            yield lines_before, block
            lines_before += block.count(b"\n")
            progress(fh.tell())


def _decode(lines_before: int, block: bytes) -> str:
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = lines_before + block.count(b"\n", 0, exc.start) + 1
        raise ImportFileError(f"文件不是 UTF-8 编码（第 {line} 行附近）：{exc}") from None


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
            yield _feature_values(feature, crs["key"], number)
    except GazetteerError as exc:
        raise ImportFileError(f"GeoJSON 无法读取：{exc}") from None
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"文件不是 UTF-8 编码：{exc}") from None


def _feature_values(feature: Any, crs: str, number: int) -> _Raw:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return _Raw(number, [""], "不是 GeoJSON Feature")
    props = feature.get("properties") if isinstance(feature.get("properties"), dict) else {}
    geometry = feature.get("geometry")
    coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
    point = isinstance(geometry, dict) and geometry.get("type") == "Point" and isinstance(coords, list) \
        and len(coords) >= 2
    lng, lat = (coords[0], coords[1]) if point else (None, None)
    values = [_text(props.get("code")), _text(props.get("type")), _text(props.get("name")), lng, lat, crs,
              _text(props.get("owner")), _text(props.get("maintainer")), _text(props.get("status"))]
    return _Raw(number, values, None if point else "几何应为 Point")


# ------------------------------------------------------------------------------------------------ checks


class _Checked(NamedTuple):
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
    """The per-row rules; what needs the database (departments, served areas) is read once.

    Written for speed (a 3-million-row file passes through here): plain lookups, the common case first."""

    def __init__(self) -> None:
        self.types = {m.code: m.name for m in load_directory().components()}
        self.departments = {code for (code,) in db.session.query(Department.code)}
        self.geocoder = intake_runtime.geocoder()
        layer = self.geocoder.gaz.layers.get("district")
        self.areas = set(layer.codes) if layer is not None else set()
        self.area_names = dict(zip(layer.codes, layer.names, strict=True)) if layer is not None else {}
        self._crs: dict[str, str | None] = {}  # the file's spelling → our key (None: unknown)
        self.copy_text = False  # hand good rows on as COPY text (PostgreSQL) rather than tuples

    def _crs_key(self, given: str) -> str | None:
        key = self._crs.get(given, "")
        if key == "":
            spelled = given.strip().lower().replace("-", "").replace("_", "") or "wgs84"
            key = self._crs[given] = spelled if spelled in CRS_NAMES else None
        return key

    def check(self, raw: _Raw) -> _Checked | BadRow:
        line, v = raw.line, raw.values
        code = v[0].strip()  # a str in both readers
        if raw.error:
            return BadRow(line, code, raw.error)
        if len(code) != CODE_LENGTH or not code.isdigit() or not code.isascii():
            try:
                parse_code(code)  # for its message
            except ValueError as exc:
                return BadRow(line, code, str(exc))
        code_type, code_area = code[AREA_LENGTH:AREA_LENGTH + TYPE_LENGTH], code[:AREA_LENGTH]
        type_code = v[1].strip()
        if type_code not in self.types:
            return BadRow(line, code, f"未知的部件类型 {type_code!r}（应为部件目录中管理部件的5位代码）")
        if code_type != type_code:
            return BadRow(line, code, f"标识码中的类型 {code_type} 与 type 列 {type_code} 不一致")
        if code_area not in self.areas:
            return BadRow(line, code, f"标识码中的区划代码 {code_area} 不在本平台服务范围")
        owner, maintainer = v[6].strip(), v[7].strip() or None
        if not owner:
            return BadRow(line, code, "缺少权属单位 owner")
        if owner not in self.departments:
            return BadRow(line, code, f"未知的权属单位 {owner!r}（应为部门代码）")
        if maintainer is not None and maintainer not in self.departments:
            return BadRow(line, code, f"未知的养护单位 {maintainer!r}（应为部门代码）")
        status = STATUS_BY_WORD.get(v[8].strip() or INTACT_WORD)
        if status is None:
            return BadRow(line, code, f"未知的状态 {v[8].strip()!r}（完好、损坏、丢失、占用、废弃）")
        crs = self._crs_key(v[5])
        if crs is None:
            return BadRow(line, code, f"未知的坐标系 {v[5].strip()!r}（wgs84、gcj02、bd09、cgcs2000）")
        try:
            lat, lng = float(v[4]), float(v[3])
        except (TypeError, ValueError):
            return BadRow(line, code, "经纬度不是数字")
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):  # NaN fails every comparison; ±inf the range
            return BadRow(line, code, "经纬度超出范围")
        name = v[2].strip() or self.types[type_code]
        if len(name) > 64:
            return BadRow(line, code, "名称超过64个字")
        return _Checked._make((line, code, type_code, name, owner, maintainer, status, lat, lng, crs))


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

    def write(self, rows: str | list[tuple]) -> None:
        if not rows:
            return
        if self.postgres:
            raw = self.conn.connection.dbapi_connection
            with raw.cursor() as cursor, cursor.copy(f"COPY {STAGING} ({', '.join(STAGED)}) FROM STDIN") as copy:
                if isinstance(rows, str):
                    copy.write(rows)
                else:
                    for row in rows:
                        copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in STAGED)
            self.conn.connection.dbapi_connection.executemany(  # type: ignore[union-attr]
                f"INSERT INTO {STAGING} ({', '.join(STAGED)}) VALUES ({marks})", rows)

    def finish(self) -> None:
        if self.postgres:
            self.conn.execute(text(f"ANALYZE {STAGING}"))  # PostgreSQL then hash-joins; no index needed
        else:
            self.conn.execute(text(f"CREATE INDEX ix_{STAGING}_code ON {STAGING} (code)"))

    def duplicates(self, bad: _BadLog) -> int:
        """Report the rows repeating an earlier row's code (streamed: a file may repeat millions); their number."""
        rows = self.conn.execute(text(
            f"SELECT s.line, s.code, d.first_line FROM {STAGING} s JOIN (SELECT code, min(line) AS first_line "
            f"FROM {STAGING} GROUP BY code HAVING count(*) > 1) d ON s.code = d.code "
            "WHERE s.line <> d.first_line ORDER BY s.line").execution_options(yield_per=10_000))
        found = 0
        for line, code, first in rows:
            bad.add(BadRow(line, code, f"文件内重复的标识码（首次出现在第 {first} 行）"))
            found += 1
        return found

    def drop_repeats(self) -> None:
        """Of a code the file repeats, keep the first row."""
        self.conn.execute(text(
            f"DELETE FROM {STAGING} s USING (SELECT code, min(line) AS first_line FROM {STAGING} GROUP BY code "
            "HAVING count(*) > 1) d WHERE s.code = d.code AND s.line <> d.first_line"
            if self.postgres else
            f"DELETE FROM {STAGING} WHERE line NOT IN (SELECT min(line) FROM {STAGING} GROUP BY code)"))

    def _secondary_indexes(self) -> list[tuple[str, str]]:
        """(name, definition) of the components table's indexes other than its primary key (PostgreSQL)."""
        return [(name, definition) for name, definition in self.conn.execute(text(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'components'::regclass AND NOT x.indisprimary AND NOT x.indisunique"))]

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
        # Loading an empty registry (the first import of a city's millions): building the GiST and B-tree indexes
        # once, sorted, afterwards is several times faster than updating them row by row. Dropping them locks the
        # table until commit, which nothing minds while it is empty.
        rebuild = (self.postgres and staged >= REBUILD_INDEXES_FROM
                   and not conn.execute(text("SELECT EXISTS (SELECT 1 FROM components)")).scalar_one())
        insert = (f"INSERT INTO components ({', '.join(MERGED)}, source, updated_at) "
                  f"SELECT {', '.join(MERGED)}, :source, :now FROM {STAGING}")
        values = {"source": SOURCE_IMPORT, "now": _db_now(conn)}
        if rebuild:
            # The staged codes are unique (repeats were dropped) and the table is empty: a plain insert, and the
            # primary key too is built once afterwards.
            indexes = self._secondary_indexes()
            key = conn.execute(text("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                                    "WHERE conrelid = 'components'::regclass AND contype = 'p'")).one()
            conn.execute(text(f'ALTER TABLE components DROP CONSTRAINT "{key[0]}"'))
            for name, _ in indexes:
                conn.execute(text(f'DROP INDEX "{name}"'))
            result = conn.execute(text(insert), values)
            conn.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
            conn.execute(text(f'ALTER TABLE components ADD CONSTRAINT "{key[0]}" {key[1]}'))
            for _, definition in indexes:
                conn.execute(text(definition))
            conn.execute(text("ANALYZE components"))
        else:
            result = conn.execute(text(
                f"{insert} WHERE true ON CONFLICT (code) DO UPDATE SET {sets}, source = excluded.source, "
                f"updated_at = excluded.updated_at WHERE {changed}"), values)
        inserted = staged - existing
        updated = result.rowcount - inserted
        if not self.postgres:
            conn.execute(text(f"DROP TABLE {STAGING}"))
        return inserted, updated, existing - updated, deleted

    def discard(self) -> None:
        if not self.postgres:
            self.conn.execute(text(f"DROP TABLE IF EXISTS {STAGING}"))


# COPY's text format: backslash, tab and line breaks in a value are escaped; NULL is \N.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(rows: list[tuple]) -> str:
    """Staged rows (STAGED order) in COPY's text format, built where they were checked (a worker process), so the
    process writing to the database only passes text on. Codes, type, status and the gazetteer's area codes are
    digits or keys checked before; the other texts are escaped."""
    n, e = "\\N", _COPY_ESCAPES
    return "".join(
        f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3].translate(e)}\t{r[4].translate(e)}\t"
        f"{n if r[5] is None else r[5].translate(e)}\t{r[6]}\t{r[7]!r}\t{r[8]!r}\t{n if r[9] is None else r[9]}\t"
        f"{n if r[10] is None else r[10]}\t{n if r[11] is None else r[11]}\t{n if r[12] is None else r[12]}\t"
        f"{n if r[13] is None else r[13].translate(e)}\n"
        for r in rows)


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
                      report_path: Path | None = None, progress: bool | None = None,
                      workers: int | None = None) -> ImportResult:
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

    checker = RowChecker()
    bad = _BadLog(report_path, unit)
    result = ImportResult(unit=unit)
    conn = db.session.connection()
    staging = _Staging(conn)
    checker.copy_text = staging.postgres
    tasks = (((_check_csv_block, block) for block in csv_blocks(path, advance)) if fmt == "csv" else
             ((_check_batch, (batch,)) for batch in _geojson_batches(path, advance)))
    try:
        for count, rows, bad_rows in _checked(tasks, checker, _workers(path, workers)):
            result.rows += count
            for bad_row in bad_rows:
                bad.add(bad_row)
            staging.write(rows)
        staging.finish()
        duplicates = staging.duplicates(bad)
        bar.close()
        result.bad, result.bad_examples = bad.count, bad.examples
        result.report_path = report_path if bad.count else None
        if bad.count and not skip_bad:
            staging.discard()
            db.session.rollback()
            return result
        # Other bad rows never reached the staging table; of a duplicated code, the first row is kept.
        if duplicates:
            staging.drop_repeats()
        if show:
            print("正在写入部件库……", file=sys.stderr, flush=True)
        result.inserted, result.updated, result.unchanged, result.deleted = staging.merge(replace)
        # One audit entry for the whole file: the set-based merge bypasses the ORM's per-row entries.
        record(AuditAction.RECORDS_IMPORTED, object_type="component", object_id=path.name, detail={
            "rows": result.rows, "inserted": result.inserted, "updated": result.updated,
            "deleted": result.deleted, "bad": result.bad, "replace": replace})
        db.session.commit()
        result.applied = True
        return result
    except BaseException:
        db.session.rollback()
        raise
    finally:
        bar.close()
        bad.close()


def _geojson_batches(path: Path, progress: Callable[[int], None]) -> Iterator[list[_Raw]]:
    batch: list[_Raw] = []
    for raw in read_geojson(path, progress):
        batch.append(raw)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _workers(path: Path, given: int | None) -> int:
    """Processes checking rows beside the one reading the file and writing to the database: big files only."""
    if given is not None:
        return given
    return min(os.cpu_count() or 1, MAX_WORKERS) if path.stat().st_size >= WORKERS_FROM_BYTES else 0


# A batch checked: how many rows it had, its good rows for the staging table (COPY text on PostgreSQL, tuples on
# SQLite) and its bad rows in line order.
Checked = tuple[int, "str | list[tuple]", list[BadRow]]
_worker_checker: RowChecker | None = None  # set before the pool forks: workers inherit it, database-free


def _check_csv_block(lines_before: int, block: bytes) -> Checked:
    return _check_batch(_csv_rows(_decode(lines_before, block), lines_before))


def _check_batch(raws: list[_Raw], checker: RowChecker | None = None) -> Checked:
    checker = checker or _worker_checker
    assert checker is not None
    good: list[_Checked] = []
    bad: list[BadRow] = []
    for raw in raws:
        checked = checker.check(raw)
        if isinstance(checked, BadRow):
            bad.append(checked)
        else:
            good.append(checked)
    rows = _place(good, checker, bad)
    bad.sort(key=lambda b: b.line)
    return len(raws), (_copy_text(rows) if checker.copy_text else rows), bad


def _checked(tasks: Iterator[tuple[Callable[..., Checked], tuple]], checker: RowChecker,
             workers: int) -> Iterator[Checked]:
    """Run the checking tasks, results in file order: here, or in forked worker processes while this one reads the
    file and copies finished batches into the staging table. At most two tasks per worker are in flight, so a big
    file never piles up in memory."""
    global _worker_checker
    _worker_checker = checker
    try:
        if workers < 1:
            for task, args in tasks:
                yield task(*args)
            return
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            pending: deque[AsyncResult[Checked]] = deque()
            for task, args in tasks:
                pending.append(pool.apply_async(task, args))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().get()
            while pending:
                yield pending.popleft().get()
    finally:
        _worker_checker = None


def _place(batch: list[_Checked], checker: RowChecker, bad: list[BadRow]) -> list[tuple]:
    """Convert a batch to CGCS2000 and place it in the gazetteer; rows outside the served area become bad rows."""
    if not batch:
        return []
    lat = np.array([r.lat for r in batch])
    lng = np.array([r.lng for r in batch])
    crs = np.array([r.crs for r in batch])
    for key in set(crs.tolist()):
        mask = crs == key
        lat[mask], lng[mask] = to_cgcs2000_many(lat[mask], lng[mask], key)
    places = checker.geocoder.reverse_many(lat, lng, "cgcs2000")
    out: list[tuple] = []
    for row, la, ln, place in zip(batch, lat.tolist(), lng.tolist(), places, strict=True):
        if place.district_code is None:
            bad.append(BadRow(row.line, row.code, f"坐标 {row.lng},{row.lat}（{row.crs}）不在本平台服务范围内"))
            continue
        if place.district_code != row.code[:6]:
            bad.append(BadRow(row.line, row.code, f"坐标位于{place.district_name or place.district_code}，"
                                                  f"与标识码中的区划代码 {row.code[:6]} 不一致"))
            continue
        out.append((row.line, row.code, row.type_code, row.name, row.owner, row.maintainer, row.status, la, ln,
                    place.grid_code, place.community_code, place.street_code, place.district_code,
                    (place.description or "")[:255] or None))
    return out
