"""Keeps `stats_durations` (every case's durations per local day, dimension and key; see the model) in step.

stats/rollup.py calls it inside its refresh: a full build aggregates the facts table (in SQL on
PostgreSQL, in Python on SQLite); a refresh reads the facts of the changed cases before and after folding them
in and, for each (dimension, day, key) whose durations differ, removes the old values and appends the new ones.
A case that changed only its ratings or surveys costs nothing here.
"""

from __future__ import annotations

from collections import Counter
from contextlib import suppress
from datetime import date
from struct import pack, unpack
from typing import Any

import numpy as np
from sqlalchemy import (
    Connection,
    Date,
    LargeBinary,
    Select,
    String,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.sql.elements import ColumnElement

from service_api.models import DURATION_STEPS, StatsCaseFacts, StatsDurations

FACTS = StatsCaseFacts.__table__
TABLE = StatsDurations.__table__
KEYED = tuple(column.key[2:] for column in FACTS.columns if column.key.startswith("k_"))  # department, matter, …
SECONDS = tuple(f"{step}_seconds" for step in DURATION_STEPS)
# Dimensions of the "closed" basis: the same keys, on the day the case was closed (see stats/rollup.py).
CLOSED_PREFIX = "c_"
GROUPS_PER_STATEMENT = 300  # SQLite: (dimension, day, key) triples per read and delete (bound parameters)

Group = tuple[str, date, str]  # (dimension, day, key)
# (day, close_day, k_department, …, k_channel, register_seconds, dispatch_seconds, close_seconds)
Fact = tuple[Any, ...]
_KEYS = slice(2, 2 + len(KEYED))  # where a fact's keys are, then its seconds


def encode(values: list[float]) -> bytes:
    """Durations as stored: big-endian float8, what PostgreSQL's float8send writes."""
    return pack(f">{len(values)}d", *values)


def decode(data: bytes | None) -> list[float]:
    return list(unpack(f">{len(data) // 8}d", data)) if data else []


def concatenated(blobs: list[bytes]) -> np.ndarray:
    """The durations of several stored values, one after the other, as an array (for selections)."""
    return np.frombuffer(b"".join(blobs), dtype=">f8")


def build(conn: Connection) -> None:
    """Fill the (emptied) table from the facts of every case."""
    if conn.dialect.name != "postgresql":
        apply_changes(conn, {}, read_facts(conn, None))
        return
    empty = literal(b"", LargeBinary)
    parts = []
    for name in KEYED:
        key = FACTS.c[f"k_{name}"]
        blobs = [func.coalesce(func.string_agg(func.float8send(FACTS.c[column]), empty), empty)
                 for column in SECONDS]
        reached = sum((func.count(FACTS.c[column]) for column in SECONDS), literal(0))
        parts.append(select(literal(name, String), FACTS.c.day, key, *blobs).group_by(FACTS.c.day, key)
                     .having(reached > 0))
        parts.append(select(literal(CLOSED_PREFIX + name, String), FACTS.c.close_day, key, *blobs)
                     .where(FACTS.c.close_day.is_not(None)).group_by(FACTS.c.close_day, key).having(reached > 0))
    conn.execute(insert(TABLE).from_select(["dimension", "day", "key", *DURATION_STEPS], union_all(*parts)))


def read_facts(conn: Connection, ids: list[int] | None) -> dict[int, Fact]:
    """The stored facts (day, keys, durations) of these cases (all with None), by case id."""
    query = select(FACTS.c.case_id, FACTS.c.day, FACTS.c.close_day, *[FACTS.c[f"k_{name}"] for name in KEYED],
                   *[FACTS.c[column] for column in SECONDS])
    if ids is not None:
        query = query.where(FACTS.c.case_id.in_(ids))
    return {row[0]: tuple(row[1:]) for row in conn.execute(query)}


def _groups(fact: Fact) -> list[Group]:
    """The groups of a case's durations: one per dimension on its day of receipt and, once closed, one per
    dimension of the "closed" basis on its close day."""
    day, close_day, keys = fact[0], fact[1], fact[_KEYS]
    groups = [(name, day, key) for name, key in zip(KEYED, keys, strict=True)]
    if close_day is not None:
        groups.extend((CLOSED_PREFIX + name, close_day, key) for name, key in zip(KEYED, keys, strict=True))
    return groups


Change = tuple[list[list[float]], list[list[float]]]  # per step: the values to remove, the values to add


def apply_changes(conn: Connection, before: dict[int, Fact], after: dict[int, Fact]) -> None:
    """Replace each case's durations of `before` by those of `after` (a case missing from one side: added or
    removed) in every (dimension, day, key) it belongs to.

    Most changes only add values (a new case, a step reached for the first time): on PostgreSQL those are
    appended in the database, without reading the rows; a group that loses values is read, edited and written.
    """
    sides: dict[Group, tuple[list[Counter[float]], list[Counter[float]]]] = {}
    for case_id in before.keys() | after.keys():
        old, new = before.get(case_id), after.get(case_id)
        if old == new:
            continue
        for fact, side in ((old, 0), (new, 1)):
            if fact is None:
                continue
            seconds = fact[_KEYS.stop:]
            if all(value is None for value in seconds):
                continue
            for group in _groups(fact):
                counters = sides.setdefault(group, ([Counter() for _ in SECONDS], [Counter() for _ in SECONDS]))
                for index, value in enumerate(seconds):
                    if value is not None:
                        counters[side][index][value] += 1
    appends: dict[Group, Change] = {}
    rewrites: dict[Group, Change] = {}
    for group, (old_values, new_values) in sides.items():
        removed = [list((o - n).elements()) for o, n in zip(old_values, new_values, strict=True)]
        added = [list((n - o).elements()) for o, n in zip(old_values, new_values, strict=True)]
        if any(removed):
            rewrites[group] = (removed, added)
        elif any(added):
            appends[group] = (removed, added)
    if conn.dialect.name == "postgresql":
        if appends:
            _append(conn, appends)
        if rewrites:
            _rewrite(conn, sorted(rewrites), rewrites)
        return
    groups = sorted(appends.keys() | rewrites.keys())
    for start in range(0, len(groups), GROUPS_PER_STATEMENT):
        _rewrite(conn, groups[start:start + GROUPS_PER_STATEMENT], appends | rewrites)


def _append(conn: Connection, appends: dict[Group, Change]) -> None:
    """PostgreSQL: add values to these groups' rows in the database (a row is created when missing)."""
    statement = postgresql_insert(TABLE)
    statement = statement.on_conflict_do_update(
        index_elements=["dimension", "day", "key"],
        set_={step: TABLE.c[step].op("||")(statement.excluded[step]) for step in DURATION_STEPS})
    conn.execute(statement, [
        {"dimension": group[0], "day": group[1], "key": group[2],
         **{step: encode(values) for step, values in zip(DURATION_STEPS, added, strict=True)}}
        for group, (_, added) in sorted(appends.items())])


def _rewrite(conn: Connection, groups: list[Group], changes: dict[Group, Change]) -> None:
    """Read these groups' rows, remove and add their values, write them back (rows left empty are deleted)."""
    rows_of, chosen = _chosen(conn, groups)
    current = {(row.dimension, row.day, row.key): row for row in conn.execute(rows_of)}
    rows = []
    for group in groups:
        removed, added = changes[group]
        row = current.get(group)
        blobs = {}
        for index, step in enumerate(DURATION_STEPS):
            values = decode(row._mapping[step]) if row is not None else []
            for value in removed[index]:
                with suppress(ValueError):  # it is there while the facts and this table agree
                    values.remove(value)
            values.extend(added[index])
            blobs[step] = encode(values)
        if any(blobs.values()):
            rows.append({"dimension": group[0], "day": group[1], "key": group[2], **blobs})
    conn.execute(delete(TABLE).where(*chosen))
    if rows:
        conn.execute(insert(TABLE), rows)


def _chosen(conn: Connection, groups: list[Group]) -> tuple[Select[Any], list[ColumnElement[bool]]]:
    """The rows of these groups, and the criteria choosing them (for the DELETE).

    PostgreSQL: joined to the unnested arrays of the groups (a tuple IN list of a few hundred triples takes
    longer to plan than to run); SQLite: a tuple IN list.
    """
    if conn.dialect.name != "postgresql":
        criteria = [tuple_(TABLE.c.dimension, TABLE.c.day, TABLE.c.key).in_(groups)]
        return select(TABLE).where(*criteria), criteria
    dimensions, days, keys = (list(column) for column in zip(*groups, strict=True))
    wanted = func.unnest(literal(dimensions, ARRAY(String)), literal(days, ARRAY(Date)),
                         literal(keys, ARRAY(String))).table_valued("dimension", "day", "key").render_derived()
    criteria = [TABLE.c.dimension == wanted.c.dimension, TABLE.c.day == wanted.c.day,
                TABLE.c.key == wanted.c.key.collate("C")]  # the key column's collation
    return select(TABLE).join(wanted, and_(*criteria)), criteria
