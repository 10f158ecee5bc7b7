"""Open311 JSON and XML bodies (UTF-8; Chinese kept as is) and the Open311 error shape."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from flask import Response

# The element each list's items get in XML, by the list's own element name.
ITEM_TAGS = {
    "service_requests": "request", "services": "service", "errors": "error", "endpoints": "endpoint",
    "formats": "format", "attributes": "attribute", "values": "value", "photos": "photo", "notes": "note",
}
# The root element (and list element) for each kind of body.
ROOTS = {"requests": "service_requests", "services": "services", "errors": "errors"}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            _fill(ET.SubElement(element, key), sub)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS.get(element.tag, "value")
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    else:
        element.text = _text(value)


def to_xml(root: str, body: Any) -> bytes:
    element = ET.Element(root)
    _fill(element, body)
    return ET.tostring(element, encoding="utf-8", xml_declaration=True)


def render(fmt: str, kind: str, body: Any, status: int = 200) -> Response:
    """kind: requests | services | errors (bare lists) or the root element of one object
    (service_definition, discovery)."""
    if fmt == "xml":
        return Response(to_xml(ROOTS.get(kind, kind), body), status=status, mimetype="text/xml",
                        content_type="text/xml; charset=utf-8")
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


def error_body(status: int, description: str) -> list[dict[str, Any]]:
    return [{"code": status, "description": description}]


def render_error(fmt: str, status: int, description: str) -> Response:
    return render(fmt, "errors", error_body(status, description), status)
