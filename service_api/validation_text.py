"""Chinese for marshmallow's and webargs' validation messages ("Not a valid aware datetime.", "Must be one of: …").

Residents and staff read `message` and `errors` of every 4xx; marshmallow writes them in English. They are
translated where the error body is made (errors.py), by the templates marshmallow 4 and webargs 8 use, so a
schema keeps its plain fields and validators; messages a schema writes itself (already Chinese) pass through.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

_OBJ_TYPES = {"datetime": "日期时间", "date": "日期", "time": "时间"}
_AWARENESS = {"aware": "带时区的", "naive": "不带时区的"}
_RANGE_OPS = {"greater than or equal to": "大于或等于", "greater than": "大于", "less than or equal to": "小于或等于",
              "less than": "小于"}

_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _fixed(text: str) -> Callable[[re.Match[str]], str]:
    return lambda _match: text


def _range(match: re.Match[str]) -> str:
    parts = [f"{_RANGE_OPS[op]} {value}" for op, value in re.findall(
        r"(greater than or equal to|greater than|less than or equal to|less than) (\S+?)(?= and |$)",
        match.group(1))]
    return "应" + "，且".join(parts)


_RULES: list[_Rule] = [(re.compile(pattern + r"\Z", re.DOTALL), make) for pattern, make in (
    (r"Missing data for required field\.", _fixed("必填")),
    (r"Field may not be null\.", _fixed("不能为空值")),
    (r"Unknown field\.", _fixed("不认识的字段")),
    (r"Invalid input type\.|Invalid type\.", _fixed("类型不正确")),
    (r"Invalid value\.|Invalid input\.", _fixed("取值无效")),
    (r"Invalid JSON body\.", _fixed("请求体不是有效的 JSON")),
    (r"Not a valid (aware|naive) (datetime|date|time)\.",
     lambda m: f"应为{_AWARENESS[m.group(1)]}{_OBJ_TYPES[m.group(2)]}"
               + ("（ISO 8601，需带时区，如 2026-12-04T16:00:00+08:00）" if m.group(1) == "aware" else "")),
    (r"Not a valid (datetime|date|time)\.",
     lambda m: f"不是有效的{_OBJ_TYPES[m.group(1)]}（ISO 8601，如 2026-12-04T16:00:00+08:00）"),
    (r'"(.*)" cannot be formatted as a (datetime|date|time)\.',
     lambda m: f"“{m.group(1)}”无法表示为{_OBJ_TYPES[m.group(2)]}"),
    (r"Not a valid boolean\.", _fixed("应为 true 或 false")),
    (r"Not a valid integer\.", _fixed("应为整数")),
    (r"Not a valid number\.", _fixed("应为数字")),
    (r"Number too large\.", _fixed("数值过大")),
    (r"Special numeric values \(nan or infinity\) are not permitted\.", _fixed("不能为 NaN 或无穷大")),
    (r"Not a valid string\.", _fixed("应为文本")),
    (r"Not a valid utf-8 string\.", _fixed("不是有效的 UTF-8 文本")),
    (r"Not a valid (?:list|tuple|delimited list|delimited tuple)\.", _fixed("应为列表")),
    (r"Not a valid mapping type\.", _fixed("应为对象")),
    (r"Not a valid email address\.", _fixed("不是有效的电子邮箱地址")),
    (r"Not a valid URL\.", _fixed("不是有效的网址")),
    (r"Not a valid UUID\.", _fixed("不是有效的 UUID")),
    (r"Not a valid (?:IP|IPv4|IPv6) (?:address|interface)\.", _fixed("不是有效的 IP 地址")),
    (r"Not a valid period of time\.", _fixed("不是有效的时长")),
    (r"Must be one of: (.*)\.", lambda m: f"应为以下之一：{m.group(1)}"),
    (r"One or more of the choices you made was not in: (.*)\.", lambda m: f"只能从以下选择：{m.group(1)}"),
    (r"One or more of the choices you made was in: (.*)\.", lambda m: f"不能选择：{m.group(1)}"),
    (r"Must be equal to (.*)\.", lambda m: f"应等于 {m.group(1)}"),
    (r"Shorter than minimum length (\d+)\.", lambda m: f"长度不能少于 {m.group(1)}"),
    (r"Longer than maximum length (\d+)\.", lambda m: f"长度不能超过 {m.group(1)}"),
    (r"Length must be between (\d+) and (\d+)\.", lambda m: f"长度应在 {m.group(1)} 到 {m.group(2)} 之间"),
    (r"Length must be (\d+)\.", lambda m: f"长度应为 {m.group(1)}"),
    (r"Must be ((?:greater|less) than.*)\.", _range),
    (r"String does not match expected pattern\.", _fixed("格式不正确")),
)]


def chinese(message: str) -> str:
    """One message in Chinese (unknown ones, e.g. a schema's own Chinese text, unchanged)."""
    for pattern, make in _RULES:
        match = pattern.match(message)
        if match:
            return make(match)
    return message


def translate_messages(messages: Any) -> Any:
    """The same nested dict/list of messages with every string translated."""
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(value) for value in messages]
    if isinstance(messages, str):
        return chinese(messages)
    return messages
