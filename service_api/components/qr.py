"""QR codes painted on assets: each leads to the component's public page `/c/<code>` (segno)."""

from __future__ import annotations

import io

import segno
from flask import current_app


def component_url(code: str) -> str:
    """The absolute address a phone opens: PUBLIC_BASE_URL, since a printed code outlives any request."""
    return f"{current_app.extensions['settings'].public_base_url.rstrip('/')}/c/{code}"


def qr_png(code: str, scale: int = 8) -> bytes:
    buffer = io.BytesIO()
    # Level M survives the dirt and scratches of a street (15% of the code), and stays small.
    segno.make(component_url(code), error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def qr_svg(code: str, scale: int = 4) -> str:
    buffer = io.BytesIO()
    segno.make(component_url(code), error="m").save(buffer, kind="svg", scale=scale, border=2, xmldecl=False,
                                                     svgns=True, title=code)
    return buffer.getvalue().decode()


def qr_inline(code: str, scale: int = 3) -> str:
    """An <svg> element for a printable sheet."""
    return segno.make(component_url(code), error="m").svg_inline(scale=scale, border=2)
