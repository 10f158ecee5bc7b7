"""Open311 services: one per reportable matter (管理事项) of the directory, with per-matter attributes.

The attributes come from service_attributes.json (rules by matter code or name); what a partner sends
as attribute[CODE] / attribute[CODE][] is checked against them here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from werkzeug.datastructures import MultiDict

from intake.taxonomy import load_directory
from service_api.components.matching import component_type_of
from service_api.components.vocab import REPORT_COMPONENT_KEY
from service_api.extensions import db
from service_api.models import Category
from service_api.open311.params import Open311Error, parse_datetime

ATTRIBUTES_PATH = Path(__file__).resolve().parent / "service_attributes.json"
DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
MAX_STRING = 255
MAX_TEXT = 4000
# 部件 services (a "<部件>异常" matter) take the asset's code: the report is then about that very component.
COMPONENT_ATTRIBUTE = {
    "code": REPORT_COMPONENT_KEY, "datatype": "string", "required": False,
    "description": "部件标识码（部件上喷涂或二维码中的17位编号，可不填）",
    "datatype_description": "17位数字，例如 37020201037000001",
}


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    required: bool
    description: str
    variable: bool = True
    datatype_description: str | None = None
    values: tuple[tuple[str, str], ...] = ()
    order: int = 0

    def value_name(self, key: str) -> str:
        return dict(self.values).get(key, key)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "variable": self.variable, "code": self.code, "datatype": self.datatype, "required": self.required,
            "datatype_description": self.datatype_description, "order": self.order,
            "description": self.description,
        }
        if self.datatype in ("singlevaluelist", "multivaluelist"):
            data["values"] = [{"key": key, "name": name} for key, name in self.values]
        return data


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    group: str
    keywords: tuple[str, ...] = ()
    attributes: tuple[Attribute, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "service_code": self.code, "service_name": self.name,
            "description": f"{self.group} · {self.name}",
            "metadata": bool(self.attributes), "type": "batch",
            "keywords": ",".join(self.keywords) or None, "group": self.group,
        }

    def definition(self) -> dict[str, Any]:
        return {"service_code": self.code, "attributes": [a.to_dict() for a in self.attributes]}


def _attribute(raw: dict[str, Any], order: int) -> Attribute:
    datatype = raw["datatype"]
    if datatype not in DATATYPES:
        raise ValueError(f"{ATTRIBUTES_PATH.name}: attribute {raw['code']}: unknown datatype {datatype!r}")
    values = tuple((str(v["key"]), str(v["name"])) for v in raw.get("values", ()))
    if datatype.endswith("valuelist") and not values:
        raise ValueError(f"{ATTRIBUTES_PATH.name}: attribute {raw['code']} is a list without values")
    return Attribute(
        code=raw["code"], datatype=datatype, required=bool(raw.get("required", False)),
        description=raw.get("description", ""), variable=bool(raw.get("variable", True)),
        datatype_description=raw.get("datatype_description"), values=values, order=order,
    )


@lru_cache(maxsize=4)
def _rules(path: Path = ATTRIBUTES_PATH) -> tuple[tuple[frozenset[str], str | None, tuple[dict[str, Any], ...]], ...]:
    data = json.loads(path.read_text(encoding="utf-8"))
    rules = []
    for rule in data["rules"]:
        match = rule["match"]
        rules.append((frozenset(match.get("codes", ())), match.get("name_contains"), tuple(rule["attributes"])))
    return tuple(rules)


def attributes_for(code: str, name: str) -> tuple[Attribute, ...]:
    found: list[Attribute] = []
    seen: set[str] = set()
    for codes, name_contains, attributes in _rules():
        if code in codes or (name_contains and name_contains in name):
            for raw in attributes:
                if raw["code"] in seen:
                    raise ValueError(f"{ATTRIBUTES_PATH.name}: attribute {raw['code']} given twice for {code}")
                seen.add(raw["code"])
                found.append(_attribute(raw, len(found) + 1))
    if component_type_of(code) is not None and REPORT_COMPONENT_KEY not in seen:
        found.append(_attribute(COMPONENT_ATTRIBUTE, len(found) + 1))
    return tuple(found)


def _service(category: Category) -> Service:
    matter = load_directory().get(category.code)
    keywords = (category.name, *(matter.synonyms if matter else ()))
    return Service(code=category.code, name=category.name, group=category.major_name, keywords=keywords,
                   attributes=attributes_for(category.code, category.name))


def list_services() -> list[Service]:
    """Every active matter residents may report (管理事项), in code order."""
    rows = db.session.query(Category).filter_by(kind="event", active=True).order_by(Category.code)
    return [_service(row) for row in rows]


def get_service(code: str) -> Service | None:
    row = db.session.get(Category, code) if len(code) <= 8 else None
    if row is None or row.kind != "event" or not row.active:
        return None
    return _service(row)


def service_names() -> dict[str, str]:
    return dict(db.session.query(Category.code, Category.name).filter_by(kind="event"))


def _attribute_values(form: MultiDict[str, str]) -> dict[str, list[str]]:
    """attribute[CODE]=v and attribute[CODE][]=v1&attribute[CODE][]=v2 → {CODE: [values]}."""
    values: dict[str, list[str]] = {}
    for key in form:
        if not key.startswith("attribute["):
            continue
        inner = key[len("attribute["):]
        code = inner[:-3] if inner.endswith("][]") else inner[:-1] if inner.endswith("]") else None
        if not code or "[" in code or "]" in code:
            raise Open311Error(400, f"参数名 {key} 无法识别，应为 attribute[CODE] 或 attribute[CODE][]")
        values.setdefault(code, []).extend(v.strip() for v in form.getlist(key) if v.strip())
    return values


def validate_attributes(service: Service, form: MultiDict[str, str]) -> dict[str, Any]:
    """The submitted attributes, checked against the service definition; 400 names the first problem."""
    sent = _attribute_values(form)
    known = {a.code: a for a in service.attributes if a.variable}
    unknown = sorted(set(sent) - {a.code for a in service.attributes})  # informational ones are ignored
    if unknown:
        raise Open311Error(400, f"服务 {service.code} 没有属性 {', '.join(unknown)}")
    result: dict[str, Any] = {}
    for attribute in sorted(known.values(), key=lambda a: a.order):
        values = sent.get(attribute.code, [])
        if not values:
            if attribute.required:
                raise Open311Error(400, f"缺少必填属性 attribute[{attribute.code}]（{attribute.description}）")
            continue
        result[attribute.code] = _check_value(attribute, values)
    return result


def _check_value(attribute: Attribute, values: list[str]) -> Any:
    name = f"attribute[{attribute.code}]"
    keys = {key for key, _ in attribute.values}
    if attribute.datatype == "multivaluelist":
        bad = [v for v in values if v not in keys]
        if bad:
            raise Open311Error(400, f"{name} 的取值 {', '.join(bad)} 无效，可选：{', '.join(sorted(keys))}")
        return list(dict.fromkeys(values))
    if len(values) > 1:
        raise Open311Error(400, f"{name} 只能有一个取值")
    value = values[0]
    if attribute.datatype == "singlevaluelist":
        if value not in keys:
            raise Open311Error(400, f"{name} 的取值 {value} 无效，可选：{', '.join(sorted(keys))}")
        return value
    if attribute.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            raise Open311Error(400, f"{name} 应为数字") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise Open311Error(400, f"{name} 应为数字")
        return int(number) if number.is_integer() else number
    if attribute.datatype == "datetime":
        moment: datetime = parse_datetime(value, name)
        return moment.isoformat()
    limit = MAX_TEXT if attribute.datatype == "text" else MAX_STRING
    if len(value) > limit:
        raise Open311Error(400, f"{name} 超过 {limit} 个字符")
    return value


def attributes_text(service: Service, values: dict[str, Any]) -> str:
    """A readable summary for staff, e.g. "噪声主要出现在什么时段？：夜间（22:00—次日 6:00）"."""
    parts = []
    for attribute in service.attributes:
        if attribute.code not in values:
            continue
        value = values[attribute.code]
        shown = "、".join(attribute.value_name(v) for v in value) if isinstance(value, list) else \
            attribute.value_name(str(value)) if attribute.values else str(value)
        parts.append(f"{attribute.description.rstrip('？?')}：{shown}")
    return "；".join(parts)
