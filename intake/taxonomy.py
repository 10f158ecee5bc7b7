"""The matter directory of GB/T 47678.5-2026 plus a city's local extensions.

The standard lists 管理部件 (components) and 管理事项 (matters residents report). For the 部件 major
classes 01–05 every component code also exists as an event "<部件>异常" with the same code, so a code
alone is ambiguous: `MatterDirectory.get` returns the event, `component` the component.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

STANDARD_REF = "GB/T 47678.5-2026"
DATA_DIR = Path(__file__).resolve().parent / "data"
STANDARD_PATH = DATA_DIR / "gbt47678-5-2026.csv"
LOCAL_PATH = DATA_DIR / "local_matters.csv"

KIND_COMPONENT = "component"
KIND_EVENT = "event"
_KINDS = {"管理部件": KIND_COMPONENT, "管理事项": KIND_EVENT, KIND_COMPONENT: KIND_COMPONENT, KIND_EVENT: KIND_EVENT}

# Codes missing from the public transcription of the standard; never assign them.
RESERVED_CODES = frozenset({"01016", "05001", "05004", "05005", "05006", "05007", "05008", "06031", "07005", "09007"})
# 事项 of these major classes are "<部件>异常": they route to the component's owner first.
OWNER_MAJORS = frozenset({"01", "02", "03", "04", "05"})


@dataclass(frozen=True)
class Matter:
    code: str
    name: str
    kind: str  # "component" | "event"
    major_code: str
    major_name: str
    standard_ref: str = STANDARD_REF
    local: bool = False
    synonyms: tuple[str, ...] = ()

    @property
    def is_component_fault(self) -> bool:
        """True for the events "<部件>异常" (major classes 01–05)."""
        return self.kind == KIND_EVENT and self.major_code in OWNER_MAJORS


@dataclass(frozen=True)
class Major:
    code: str
    name: str


@dataclass
class MatterDirectory:
    """All matters, keyed by (kind, code)."""

    _by_key: dict[tuple[str, str], Matter] = field(default_factory=dict)

    def add(self, matter: Matter) -> None:
        self._by_key[(matter.kind, matter.code)] = matter

    def get(self, code: str, kind: str = KIND_EVENT) -> Matter | None:
        return self._by_key.get((kind, code))

    def __getitem__(self, code: str) -> Matter:
        matter = self.get(code)
        if matter is None:
            raise KeyError(code)
        return matter

    def component(self, code: str) -> Matter | None:
        return self.get(code, KIND_COMPONENT)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and (KIND_EVENT, code) in self._by_key

    def __iter__(self) -> Iterator[Matter]:
        return iter(sorted(self._by_key.values(), key=lambda m: (m.kind, m.code)))

    def __len__(self) -> int:
        return len(self._by_key)

    def events(self) -> list[Matter]:
        return [m for m in self if m.kind == KIND_EVENT]

    def components(self) -> list[Matter]:
        return [m for m in self if m.kind == KIND_COMPONENT]

    def majors(self) -> list[Major]:
        seen: dict[str, str] = {}
        for m in self:
            seen.setdefault(m.major_code, m.major_name)
        return [Major(code, name) for code, name in sorted(seen.items())]

    def name(self, code: str) -> str | None:
        matter = self.get(code)
        return matter.name if matter else None


def _kind(raw: str, path: Path) -> str:
    try:
        return _KINDS[raw.strip()]
    except KeyError:
        raise ValueError(f"{path}: unknown kind {raw!r}") from None


def _check_code(code: str, path: Path) -> None:
    if len(code) != 5 or not code.isdigit():
        raise ValueError(f"{path}: matter code must be 5 digits, got {code!r}")


def _read_standard(path: Path, directory: MatterDirectory) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip()
            _check_code(code, path)
            directory.add(Matter(
                code=code, name=row["name"].strip(), kind=_kind(row["kind"], path),
                major_code=row["major_code"].strip(), major_name=row["major_name"].strip(),
            ))


def _read_local(path: Path, directory: MatterDirectory) -> None:
    """Add local codes, or synonyms to existing ones (a row naming an existing code adds synonyms only)."""
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            code = row["code"].strip()
            _check_code(code, path)
            if code in RESERVED_CODES:
                raise ValueError(f"{path}: code {code} is reserved by the standard")
            kind = _kind(row.get("kind") or KIND_EVENT, path)
            synonyms = tuple(s.strip() for s in (row.get("synonyms") or "").split("|") if s.strip())
            existing = directory.get(code, kind)
            name = (row.get("name") or "").strip()
            if existing is not None:
                if name and name != existing.name:
                    raise ValueError(f"{path}: code {code} is {existing.name!r} in the directory, not {name!r}")
                merged = existing.synonyms + tuple(s for s in synonyms if s not in existing.synonyms)
                directory.add(replace(existing, synonyms=merged))
                continue
            if not name:
                raise ValueError(f"{path}: new local code {code} needs a name")
            major_code = (row.get("major_code") or code[:2]).strip()
            known = next((m for m in directory.majors() if m.code == major_code), None)
            major_name = (row.get("major_name") or "").strip() or (known.name if known else "")
            directory.add(Matter(
                code=code, name=name, kind=kind, major_code=major_code, major_name=major_name,
                local=True, synonyms=synonyms,
            ))


def build_directory(local_path: Path | None = LOCAL_PATH, standard_path: Path = STANDARD_PATH) -> MatterDirectory:
    directory = MatterDirectory()
    _read_standard(standard_path, directory)
    if local_path is not None and local_path.exists():
        _read_local(local_path, directory)
    return directory


@lru_cache(maxsize=8)
def _cached(extra_path: Path | None) -> MatterDirectory:
    return build_directory(extra_path if extra_path is not None else LOCAL_PATH)


def load_directory(extra_path: Path | None = None) -> MatterDirectory:
    """The standard directory plus local extensions: `extra_path`, or the shipped local_matters.csv.

    Cached per path; treat the result as read-only.
    """
    return _cached(Path(extra_path).resolve() if extra_path is not None else None)
