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
_EXAMPLES = {"datetime": "2026-12-04T16:00:00+08:00", "date": "2026-12-04", "time": "16:00:00"}
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
     lambda m: f"不是有效的{_OBJ_TYPES[m.group(1)]}（ISO 8601，如 {_EXAMPLES[m.group(1)]}）"),
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


# Chinese names of request fields, for the `message` of a 422 ("联系方式（contact）应为对象…"); `errors` keeps the
# field keys for programs. Unknown keys are shown as they are.
FIELD_TEXT = {
    "description": "问题描述", "location": "位置", "lat": "纬度", "lng": "经度", "crs": "坐标系", "address": "地址",
    "photo_ids": "照片", "contact": "联系方式", "phone": "电话", "name": "姓名", "category_hint": "问题类别提示",
    "channel": "渠道", "join_case_no": "合并的案件编号", "action": "操作", "note": "备注", "reason": "原因",
    "outcome": "处置结果", "outcome_photo_ids": "处置照片", "department": "部门", "deadline": "期限",
    "rating": "满意程度", "solved": "是否已解决", "comment": "意见", "from": "开始日期", "to": "结束日期",
    "date_from": "开始日期", "date_to": "结束日期", "group_by": "分组方式", "basis": "统计口径", "matter": "事项",
    "status": "状态", "street": "街道", "community": "社区", "district": "区", "grid": "网格", "triage": "待人工分类",
    "page": "页码", "per_page": "每页条数", "code": "验证码", "kind": "类型", "transcript": "对话记录",
    "text": "内容", "message": "消息", "session_id": "会话编号", "json": "请求体", "_request": "请求",
}
_WHOLE = "_schema"  # marshmallow's key for an error of the field as a whole (e.g. a string where an object goes)


def field_label(path: list[str]) -> str:
    """'联系方式中的电话（contact.phone）' for a path of field keys; list positions read 第 N 项."""
    keys = [str(k) for k in path if str(k) != _WHOLE]
    if not keys:
        return "请求体"
    words = [f"第 {int(k) + 1} 项" if k.isdigit() else FIELD_TEXT.get(k, k) for k in keys]
    label = "中的".join(words)
    return label if all(k.isdigit() or k not in FIELD_TEXT for k in keys) else f"{label}（{'.'.join(keys)}）"


def whole_field_message(message: str) -> str:
    """A type error of a nested object as a whole says what is expected instead."""
    return "应为 JSON 对象（{…}），不能是文本、数字或列表" if message == "类型不正确" else message


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
