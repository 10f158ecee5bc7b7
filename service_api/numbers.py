"""Readable, unique numbers: case numbers (C370202-20261124-00017) and tracking numbers (R20261124000017)."""

from __future__ import annotations

import threading
import unicodedata
from datetime import datetime
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, text

from service_api.extensions import db
from service_api.models import utcnow

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Tracking numbers a PostgreSQL process reserves at a time (see TrackingBlocks). A process that stops
# leaves the rest of its block unused: numbers are unique and readable, not gap-free.
TRACKING_BLOCK_SIZE = 20

# Add :step to a counter row and return its new value, for PostgreSQL and SQLite (≥ 3.35) alike. Plain SQL
# text because SQLAlchemy caches its compiled form, whereas an ON CONFLICT construct is compiled every call.
ADVANCE_SQL = (
    "INSERT INTO number_sequences (key, last_value) VALUES (:counter_key, :step) "
    "ON CONFLICT (key) DO UPDATE SET last_value = number_sequences.last_value + :step RETURNING last_value"
)


# What residents and agents type for the "-" of a case number: full-width and IME dashes, en/em dashes, the
# minus sign, and 一 (the character "one", which Chinese IMEs offer for a dash). NFKC handles full-width forms.
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−－﹣一", "-"))


def normalise_ref(text: str | None) -> str:
    """A case or tracking number as typed (full-width, spaces, any dash, lower case) in its stored form."""
    folded = unicodedata.normalize("NFKC", text or "").translate(_DASHES)
    return "".join(folded.split()).upper()


def next_value(key: str) -> int:
    """Atomically increment and return the counter for `key` in the session's transaction."""
    return int(db.session.execute(text(ADVANCE_SQL), {"counter_key": key, "step": 1}).scalar_one())


class TrackingBlocks:
    """Per-process blocks of a day's tracking numbers, each reserved by its own short transaction.

    Taking every number in the report's transaction would keep the day's counter row locked from the insert
    to the commit: every report of the city would then wait for the one before it to commit. A block is
    committed before any of its numbers is used, so a number is never handed out twice, even after a crash.
    """

    def __init__(self, size: int = TRACKING_BLOCK_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        # engine → {counter key: (next number, last number of the block)}; one entry, unless a day just began
        self._blocks: WeakKeyDictionary[Engine, dict[str, tuple[int, int]]] = WeakKeyDictionary()

    def take(self, engine: Engine, key: str) -> int:
        with self._lock:
            blocks = self._blocks.setdefault(engine, {})
            following, last = blocks.get(key, (1, 0))
            if following > last:
                last = self._reserve(engine, key)
                following = last - self.size + 1
                blocks.clear()  # blocks of earlier days are done with
            blocks[key] = (following + 1, last)
            return following

    def _reserve(self, engine: Engine, key: str) -> int:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return int(connection.execute(text(ADVANCE_SQL), {"counter_key": key, "step": self.size}).scalar_one())


tracking_blocks = TrackingBlocks()


def local_day(moment: datetime | None = None) -> str:
    return (moment or utcnow()).astimezone(SHANGHAI).strftime("%Y%m%d")


def new_case_no(area_code: str, moment: datetime | None = None) -> str:
    day = local_day(moment)
    return f"C{area_code}-{day}-{next_value(f'case:{area_code}:{day}'):05d}"


def new_tracking_no(moment: datetime | None = None) -> str:
    """R + local date + a 6-digit number unique within the day.

    PostgreSQL: from this process's block of the day (see TrackingBlocks). SQLite serialises writers anyway,
    and a second connection would wait for this transaction's write lock: there the number is taken in the
    session's transaction.
    """
    day = local_day(moment)
    key = f"report:{day}"
    engine = db.session.get_bind()
    number = tracking_blocks.take(engine, key) if engine.dialect.name == "postgresql" else next_value(key)
    return f"R{day}{number:06d}"
