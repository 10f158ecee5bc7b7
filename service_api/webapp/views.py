"""The pages of the residents' web app (/m/…) and the QR code that links to it."""

from __future__ import annotations

import hashlib
import io
import json
from functools import cache
from typing import Any

import segno
import shapely
from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from service_api.cases import intake_runtime
from service_api.cases.workflow import TRANSITIONS
from service_api.extensions import limiter
from service_api.feedback.ratings import RATINGS
from service_api.maps import areas
from service_api.maps.tiles import tile_config
from service_api.reports.accept import DESCRIPTION_MAX, MAX_PHOTOS
from service_api.security.headers import tile_origin
from service_api.vocab import Source
from service_api.webapp.assets import asset

blp = Blueprint("webapp", __name__, url_prefix="/m", template_folder="templates")

# Scripts only from our own origin (no inline script, no eval); photos previewed from blob: URLs; map tiles only
# from the configured base map's server (MAP_TILE_URL), if any.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:{tiles}; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
# The report page's map pick: the outlines residents find their street by, simplified for a phone's zoom.
PICK_LEVELS, PICK_ZOOM = ("district", "street", "community"), 15
WEB_CHANNEL = Source.WEB  # what staff and the figures call reports made here (models/report.CHANNEL_TEXT)
# Features of issue 25 (privacy) shown on 我的 once the API offers them.
PRIVACY_ENDPOINTS = {"export": "/api/v1/me/export", "erase": "/api/v1/me"}
# The stages of 我的反映's progress bar, each with the timeline action that reaches it ("submitted": the report's
# own first entry, reports/view.public_timeline).
STEPS = (("受理", "submitted"), ("立案", "register"), ("派遣", "dispatch"), ("处置", "resolve"), ("核查", "verify"),
         ("结案", "close"))
assert all(action in TRANSITIONS for _, action in STEPS[1:])
RATABLE_STATUS = TRANSITIONS["close"].target  # a case is rated once it is closed (feedback/ratings.py)
TABS = (("report", "随手拍", "webapp.report"), ("mine", "我的", "webapp.mine"),
        ("messages", "消息", "webapp.messages"), ("chat", "智能客服", "webapp.chat"))


@blp.after_request
def _headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", _policy(current_app.extensions["settings"].map_tile_url))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@cache
def _policy(tile_url: str) -> str:
    return CSP.format(tiles="".join(" " + origin for origin in tile_origin(tile_url)))


def _asset_url(name: str) -> str:
    found = asset(name)
    if found is None:
        raise LookupError(name)
    return url_for("webapp.static_file", name=name, v=found.digest)


def _vendor_url(name: str) -> str | None:
    """An npm file's URL, None when `make setup` has not installed it (the page then works without it)."""
    return _asset_url(name) if asset(name) is not None else None


@blp.app_context_processor
def _helpers() -> dict[str, Any]:
    return {"m_asset": _asset_url, "m_vendor": _vendor_url}


def _privacy_features() -> dict[str, bool]:
    rules = {(rule.rule, method) for rule in current_app.url_map.iter_rules() for method in rule.methods or ()}
    return {"export": (PRIVACY_ENDPOINTS["export"], "GET") in rules,
            "erase": (PRIVACY_ENDPOINTS["erase"], "DELETE") in rules}


def _page(template: str, tab: str | None, title: str, **context: Any) -> str:
    return render_template(f"webapp/{template}", tab=tab, tabs=TABS, title=title, **context)


@blp.get("/")
def report() -> str:
    return _page("report.html", "report", "随手拍", max_photos=MAX_PHOTOS, channel=WEB_CHANNEL,
                 description_max=DESCRIPTION_MAX,
                 map_version=intake_runtime.gazetteer_version())


@blp.get("/map.json")
@limiter.limit("60/minute")
def pick_layers() -> Response:
    """What the report page's map pick draws: the base map (if configured), the city's extent and the outlines of
    its district, streets and communities, in the map's system (GCJ-02 under AMap-style tiles). Public: the
    outlines are the city's published divisions, and residents pick before they sign in (if they ever do)."""
    gaz = intake_runtime.geocoder().gaz
    version = intake_runtime.gazetteer_version()
    tiles = tile_config()
    tag = hashlib.sha1(f"{version}|{tiles.url}|{tiles.crs}".encode()).hexdigest()[:20]
    if request.if_none_match.contains(tag):
        response = Response(status=304)
    else:
        layers = ",".join(f'"{level}":' + areas.feature_collection(gaz, id(gaz), version, level, PICK_ZOOM,
                                                                      tiles.crs, None)
                          for level in PICK_LEVELS)
        top = next((gaz.layers[level] for level in PICK_LEVELS if level in gaz.layers), None)
        bounds = None
        if top is not None:
            west, south, east, north = (float(x) for x in shapely.total_bounds(top.geoms))
            bounds = [[south, west], [north, east]]
        head = {"tiles": tiles.to_dict(), "crs": tiles.crs, "bounds": bounds}
        body = json.dumps(head, ensure_ascii=False)[:-1] + ',"areas":{' + layers + "}}"
        response = Response(body, mimetype="application/json")
    response.set_etag(tag)
    # The outlines change only at a gazetteer import: the report page's URL names the version (a phone keeps that
    # a day); without it a few minutes, then the phone asks again with its ETag.
    versioned = request.args.get("v") == str(version)
    response.headers["Cache-Control"] = f"public, max-age={86_400 if versioned else 300}"
    return response


@blp.get("/mine")
def mine() -> str:
    return _page("mine.html", "mine", "我的", privacy=_privacy_features())


@blp.get("/reports/<string:tracking_no>")
def report_detail(tracking_no: str) -> str:
    if not tracking_no.isalnum() or len(tracking_no) > 24:
        abort(404)
    return _page("detail.html", "mine", "反映详情", tracking_no=tracking_no.upper(),
                 config={"steps": STEPS, "ratings": list(RATINGS.items()), "ratable": RATABLE_STATUS})


def filed_page(tracking_no: str, access_token: str | None) -> Response:
    """The answer to a report filed by another page of ours (the scan page): it hands the report's access token
    to the app's store on this phone, so 我的 lists it and the resident can follow and rate it without signing in."""
    response = Response(_page("filed.html", "mine", "已收到反映", tracking_no=tracking_no, access_token=access_token))
    response.headers["Cache-Control"] = "no-store"  # it holds a token
    response.headers.setdefault("Content-Security-Policy", _policy(current_app.extensions["settings"].map_tile_url))
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    return response


@blp.get("/messages")
def messages() -> str:
    return _page("messages.html", "messages", "消息")


@blp.get("/chat")
def chat() -> str:
    return _page("chat.html", "chat", "智能客服")


@blp.get("/login")
def login() -> str:
    return _page("login.html", None, "登录")


@blp.get("/qr.svg")
@limiter.limit("30/minute")
def qr() -> Response:
    """The app's address as a QR code for posters and the official account's articles."""
    base = current_app.extensions["settings"].public_base_url.rstrip("/")
    out = io.BytesIO()
    segno.make(base + url_for("webapp.report"), error="m").save(out, kind="svg", scale=8, border=2,
                                                                  title="城市管理随手拍")
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@blp.get("/static/<string:name>")
def static_file(name: str) -> Response:
    found = asset(name)
    if found is None:
        abort(404)
    gzip_ok = "gzip" in request.headers.get("Accept-Encoding", "")
    response = Response(found.gzipped if gzip_ok else found.body, mimetype=found.mimetype)
    if gzip_ok:
        response.headers["Content-Encoding"] = "gzip"
    response.headers["Vary"] = "Accept-Encoding"
    response.set_etag(found.digest)
    # The URL carries the content hash (?v=…): a changed file gets a new URL, so it may be kept for a year.
    versioned = request.args.get("v") == found.digest
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
    return response.make_conditional(request)
