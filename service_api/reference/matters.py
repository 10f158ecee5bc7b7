"""Matters (事项) of the directory as the API shows them."""

from __future__ import annotations

from service_api.extensions import db
from service_api.models import Category


def matter_of(code: str | None) -> dict[str, str] | None:
    if not code:
        return None
    category = db.session.get(Category, code)
    return {"code": code, "name": category.name if category else code}


def matter_names(codes: list[str | None]) -> dict[str, str]:
    """The directory's names of these matter codes, by code (codes not in the directory are left out)."""
    present = [c for c in codes if c]
    if not present:
        return {}
    return dict(db.session.query(Category.code, Category.name).filter(Category.code.in_(present)).all())


def matter_by_code(code: str | None) -> Category | None:
    return db.session.get(Category, code) if code else None
