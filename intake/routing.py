"""Who handles a matter, how urgently and by when: a city's routing configuration.

部件 matters (major classes 01–05, "<部件>异常") go to the component's owner first (先属主); events
(06–10) go to the territory first (先属地): the street office of the street the report lies in.
Departments, priorities and time limits are local configuration (demo values for 青岛市市南区 ship in
intake/data/routing.json), not part of GB/T 47678.5-2026. Every rule carries a 'source': why that owner.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from intake.taxonomy import load_directory

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "routing.json"

URGENT_PRIORITY = "urgent"  # residents hear how these cases move at any hour (service_api outbox_writer)
PRIORITIES = (URGENT_PRIORITY, "high", "normal")
TIME_UNITS = ("working_hours", "working_days", "natural_hours")
STRATEGIES = ("owner", "territory")
STREET_PREFIX = "street:"


@dataclass(frozen=True)
class Department:
    code: str
    name: str
    kind: str  # "owner" | "bureau" | "street"


@dataclass(frozen=True)
class Route:
    department_code: str
    department_name: str
    priority: str
    time_limit_amount: float
    time_limit_unit: str
    strategy: str
    source: str = ""  # why this owner (the rule's 'source')


@dataclass(frozen=True)
class _Rule:
    match: str
    strategy: str
    department: str | None
    priority: str
    amount: float
    unit: str
    source: str = ""


def street_department_code(street_code: str) -> str:
    return f"{STREET_PREFIX}{street_code}"


class RoutingTable:
    def __init__(self, *, departments: list[Department], rules: list[_Rule], streets: dict[str, str],
                 territory_fallback: str, office_suffix: str = "办事处",
                 region_code: str = "", region_name: str = "") -> None:
        self._departments = {d.code: d for d in departments}
        self._rules = {r.match: r for r in rules}
        self._streets = streets
        self._fallback = territory_fallback
        self._suffix = office_suffix
        self.region_code = region_code
        self.region_name = region_name
        if "*" not in self._rules:
            raise ValueError("routing needs a default rule with match '*'")
        for rule in rules:
            if rule.department is not None and rule.department not in self._departments:
                raise ValueError(f"routing rule {rule.match}: unknown department {rule.department!r}")
        for rule in rules:
            # Owners are decisions about who owns a thing; each one says on what it rests (issue 17).
            if not rule.source.strip():
                raise ValueError(f"routing rule {rule.match}: 'source' must say why this owner")
        if territory_fallback not in self._departments:
            raise ValueError(f"unknown territory_fallback department {territory_fallback!r}")

    def rule_for(self, matter_code: str) -> _Rule:
        """Exact code, else the longest configured prefix (e.g. the 大类 "06"), else '*'."""
        for length in range(len(matter_code), 0, -1):
            rule = self._rules.get(matter_code[:length])
            if rule is not None:
                return rule
        return self._rules["*"]

    def street_office(self, street_code: str, street_name: str | None = None) -> Department:
        name = street_name or self._streets.get(street_code)
        if name:
            office = name + self._suffix if name.endswith("街道") else f"{name}街道{self._suffix}"
        else:
            office = f"街道{self._suffix}（{street_code}）"
        return Department(street_department_code(street_code), office, "street")

    def route(self, matter_code: str, street_code: str | None, street_name: str | None = None) -> Route:
        rule = self.rule_for(matter_code)
        if rule.strategy == "territory" and street_code:
            dept = self.street_office(street_code, street_name)
        else:
            # owner-first, or territory without a known street: the district bureau takes it
            dept = self._departments[rule.department or self._fallback]
        return Route(dept.code, dept.name, rule.priority, rule.amount, rule.unit, rule.strategy, rule.source)

    def departments(self) -> list[Department]:
        """Configured departments plus one street office per known street (for the Department table)."""
        offices = [self.street_office(code) for code in sorted(self._streets)]
        return sorted(self._departments.values(), key=lambda d: d.code) + offices

    def department(self, code: str) -> Department | None:
        if code.startswith(STREET_PREFIX):
            return self.street_office(code[len(STREET_PREFIX):])
        return self._departments.get(code)


def _parse_rule(raw: dict, known_codes: set[str]) -> _Rule:
    match = str(raw["match"])
    strategy = raw["strategy"]
    priority = raw.get("priority", "normal")
    amount, unit = raw["time_limit"]
    if strategy not in STRATEGIES:
        raise ValueError(f"routing rule {match}: strategy must be one of {STRATEGIES}")
    if priority not in PRIORITIES:
        raise ValueError(f"routing rule {match}: priority must be one of {PRIORITIES}")
    if unit not in TIME_UNITS:
        raise ValueError(f"routing rule {match}: time limit unit must be one of {TIME_UNITS}")
    if float(amount) <= 0:
        raise ValueError(f"routing rule {match}: time limit must be positive")
    if match != "*" and len(match) == 5 and match not in known_codes:
        raise ValueError(f"routing rule {match}: not a matter code of the directory")
    if strategy == "owner" and not raw.get("department"):
        raise ValueError(f"routing rule {match}: owner-first rules name the owning department")
    return _Rule(match, strategy, raw.get("department"), priority, float(amount), unit, str(raw.get("source", "")))


def _read_streets(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["code"].strip(): row["name"].strip() for row in csv.DictReader(fh)}


def build_routing(path: Path) -> RoutingTable:
    config = json.loads(path.read_text(encoding="utf-8"))
    known = {m.code for m in load_directory().events()}
    streets_file = config.get("streets_file")
    streets = _read_streets(path.parent / streets_file) if streets_file else {}
    region = config.get("region", {})
    return RoutingTable(
        departments=[Department(d["code"], d["name"], d.get("kind", "owner")) for d in config["departments"]],
        rules=[_parse_rule(r, known) for r in config["rules"]],
        streets=streets,
        territory_fallback=config["territory_fallback"],
        office_suffix=config.get("street_office_suffix", "办事处"),
        region_code=region.get("code", ""),
        region_name=region.get("name", ""),
    )


@lru_cache(maxsize=8)
def _cached(path: Path) -> RoutingTable:
    return build_routing(path)


def load_routing(path: Path | None = None) -> RoutingTable:
    """The routing table from `path` (default: the shipped demo for 青岛市市南区), cached per path."""
    return _cached(Path(path).resolve() if path is not None else DEFAULT_PATH)
