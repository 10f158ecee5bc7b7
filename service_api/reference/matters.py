"""Matters (事项) of the directory as the API shows them."""

from __future__ import annotations

from service_api.extensions import db
from service_api.models import Category


def matter_of(code: str | None) -> dict[str, str] | None:
    if not code:
        return None
    category = db.session.get(Category, code)
    return {"code": code, "name": category.name if category else code}
