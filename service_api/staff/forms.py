"""What staff typed into console forms and queries: field names in Chinese, length limits, the text carried
through a refusal or an expired session, and page filters checked exactly as the API checks them."""

from __future__ import annotations

from typing import Any

from flask import request
from marshmallow import EXCLUDE, Schema, ValidationError

from service_api.errors import validation_error

DRAFT_PREFIX = "draft_"  # typed values carried through the sign-in form when the session ran out
NOT_KEPT = ("csrf_token", "password", "username")
# Free-text fields of console forms, named when a refused form shows back what was typed.
FIELD_TEXT = {"phone": "来电号码", "description": "反映内容", "address": "地点", "case_ref": "案件编号或受理编号",
              "notes": "备注", "transfer_to": "转办单位", "note": "说明", "outcome": "处置结果", "reason": "原因",
              "comment": "意见", "deadline": "期限"}


def typed_fields() -> dict[str, str]:
    """The non-empty free text of this request's form (a sign-in form: the drafts it carries)."""
    form = request.form
    if request.endpoint == "staff.login":  # a sign-in form that itself expired: carry its drafts on
        return drafts(form)
    return {k: v for k, v in form.items() if k not in NOT_KEPT and not k.startswith(DRAFT_PREFIX) and v.strip()}


def drafts(form: Any) -> dict[str, str]:
    """The typed values a sign-in form carries (draft_<field>), by field."""
    return {k[len(DRAFT_PREFIX):]: v for k, v in form.items() if k.startswith(DRAFT_PREFIX)}


def labelled(typed: dict[str, str]) -> list[tuple[str, str]]:
    return [(FIELD_TEXT[k], v) for k, v in typed.items() if k in FIELD_TEXT]


def too_long(form: Any, limits: dict[str, int]) -> str | None:
    """The Chinese message for the first field longer than its limit, or None."""
    for name, limit in limits.items():
        length = len(form.get(name, "").strip())
        if length > limit:
            return f"{FIELD_TEXT.get(name, name)}最多 {limit} 字，现有 {length} 字，请精简后再保存（内容已保留）"
    return None


def checked_args(schema: Schema) -> dict[str, Any]:
    """The page's query checked as the API checks it: a bad filter is a 422 with the API's message, never quietly
    replaced by a default (the page would show, export and audit other figures than the ones asked for). An empty
    form field is no filter."""
    raw = {key: value for key, value in request.args.items() if value.strip()}
    try:
        return schema.load(raw, unknown=EXCLUDE)
    except ValidationError as exc:
        raise validation_error(exc.normalized_messages()) from exc
