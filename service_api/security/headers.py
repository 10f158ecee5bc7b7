"""Security headers on every response: a Content-Security-Policy without inline scripts, no framing, no MIME
sniffing, a strict referrer policy, and HSTS when the service is reached over https."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

HSTS = "max-age=31536000; includeSubDomains"
# flask-smorest's Swagger UI page starts the UI with one inline script; its hash (computed from the page itself,
# so an upgrade keeps working) is the only inline script any page may run.
_DOCS_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.S)


def tile_origin(url: str) -> list[str]:
    """The base map's tile server (MAP_TILE_URL, e.g. https://t{s}.tianditu.gov.cn/...): images may come from it."""
    if not url.startswith(("http://", "https://")):
        return []
    scheme, _, rest = url.partition("://")
    host = rest.split("/", 1)[0]
    host = re.sub(r"\{[a-z]\}", "*", host)  # {s} subdomains
    return [f"{scheme}://{host}"]


def _policy(app: Flask, extra_script: str = "") -> str:
    settings = app.extensions["settings"]
    images = " ".join(["'self'", "data:", "blob:", *tile_origin(getattr(settings, "map_tile_url", "")),
                       *settings.csp_img_sources.split()])
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self'{extra_script}",
        # style attributes in the templates (layout only); styles cannot run code
        "style-src 'self' 'unsafe-inline'",
        f"img-src {images}",
        "connect-src 'self'",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


def _docs_hashes(response: Response) -> str:
    if response.direct_passthrough or response.mimetype != "text/html":
        return ""
    hashes = [base64.b64encode(hashlib.sha256(body).digest()).decode()
              for body in _DOCS_SCRIPT.findall(response.get_data())]
    return "".join(f" 'sha256-{h}'" for h in hashes)


def install(app: Flask) -> None:
    base_policy = _policy(app)
    https = app.extensions["settings"].public_base_url.startswith("https://")
    docs_path = "/api" + app.config.get("OPENAPI_SWAGGER_UI_PATH", "/docs")

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        if request.path == docs_path:
            headers["Content-Security-Policy"] = _policy(app, _docs_hashes(response))
        else:
            headers.setdefault("Content-Security-Policy", base_policy)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)
        return response
