"""Open311 fixtures: partner API keys, schema validators, form posting, a tiny JPEG."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from PIL import Image
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
BASE = "/open311/v2"
# 五四广场, 市南区, in WGS-84.
MAY_FOURTH_SQUARE = ("36.0620", "120.3845")


def _registry() -> Registry:
    resources = []
    for path in SCHEMA_DIR.glob("*.json"):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT202012)))
    return Registry().with_resources(resources)


REGISTRY = _registry()
# jsonschema checks "date-time" and "uri" only with optional packages; check them here instead.
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parsed = datetime.fromisoformat(value)
    return "T" in value and parsed.tzinfo is not None  # RFC 3339 needs the offset


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    schema = {"$id": name, **schema}
    return Draft202012Validator(schema, registry=REGISTRY, format_checker=FORMATS)


def assert_valid(name: str, body: Any) -> None:
    errors = sorted(validator(name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.fixture
def api_key(app) -> str:
    from service_api.open311.keys import create_key

    _, plain = create_key("FixMyStreet 青岛")
    return plain


@pytest.fixture
def post_request(client, api_key) -> Callable[..., Any]:
    """POST requests.<fmt> form-encoded; a sensible 噪声扰民 report unless fields are overridden."""

    def post(fmt: str = "json", *, headers: dict[str, str] | None = None, drop: tuple[str, ...] = (),
             **fields: Any):
        data: dict[str, Any] = {
            "api_key": api_key, "service_code": "06028", "lat": MAY_FOURTH_SQUARE[0],
            "long": MAY_FOURTH_SQUARE[1], "description": "五四广场东侧酒吧每天夜里音响很大，吵得睡不着",
            "attribute[time_of_day]": "night",
        }
        data.update(fields)
        for name in drop:
            data.pop(name, None)
        data = {k: v for k, v in data.items() if v is not None}
        return client.post(f"{BASE}/requests.{fmt}", data=data, headers=headers or {})

    return post


def jpeg_bytes(width: int = 320, height: int = 240) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (90, 120, 160)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()
