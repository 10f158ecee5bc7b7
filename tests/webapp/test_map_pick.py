"""A resident whose photo has no GPS and whose phone gives no position places the report by a tap on the map (the
same local Leaflet as the console), on our own outlines or over an AMap-style base map. Screenshots go to
$STAFF_SCREENSHOTS (default /tmp)."""

from __future__ import annotations

import shapely

from intake.geo.crs import from_cgcs2000
from service_api.cases import intake_runtime
from service_api.extensions import db
from service_api.models import Report
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.service_api.images import jpeg_bytes
from tests.webapp.conftest import PHONE, choose_photos

pytestmark = NEEDS_CHROMIUM


def phone_without_location(browser):
    """A phone that refuses its position to the page (no geolocation permission)."""
    page = browser.new_context(**PHONE).new_page()
    page.set_default_timeout(30_000)
    problems: list[str] = []
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.js_errors = problems  # type: ignore[attr-defined]
    return page


def community_point(index: int) -> tuple[str, str, float, float]:
    """(community code, its street code, lat, lng) of a point well inside a demo community (CGCS2000)."""
    gaz = intake_runtime.geocoder().gaz
    layer = gaz.layers["community"]
    point = shapely.point_on_surface(layer.geoms[index])
    where = intake_runtime.geocoder().reverse(point.y, point.x, "cgcs2000")
    assert where.community_code == layer.codes[index]
    return where.community_code, where.street_code, point.y, point.x


def open_map(page) -> None:
    page.click("#pick-open")
    page.locator("#pick-map[data-ready='1']").wait_for()
    assert page.get_attribute("#pick-open", "aria-expanded") == "true"


def tap_at(page, lat: float, lng: float, zoom: int = 17) -> None:
    """Zoom the map to the place as a resident would, then tap it (lat, lng in the map's system)."""
    page.evaluate(f"() => window.MPick.current.map.setView([{lat}, {lng}], {zoom}, {{animate: false}})")
    point = page.evaluate(f"() => window.MPick.current.map.latLngToContainerPoint([{lat}, {lng}])")
    page.locator("#pick-map").tap(position={"x": point["x"], "y": point["y"]})


def pin(page) -> tuple[float, float]:
    lat, lng = page.get_attribute("#pick-map", "data-pin").split(",")
    return float(lat), float(lng)


def test_no_gps_no_position_the_resident_taps_the_map(app, live_server, browser):
    code, street, lat, lng = community_point(7)
    page = phone_without_location(browser)
    page.goto(f"{live_server}/m/")
    assert page.locator("script[src*='leaflet']").count() == 0  # the first load does not carry the map library
    # A photo without GPS (a screenshot, or a camera with location off) and a phone that refuses its position.
    choose_photos(page, {"name": "Screenshot.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes(1200, 900)})
    page.locator(".thumb .state", has_text="✓").wait_for()  # uploaded, no position in it
    page.fill("#description", "小区门口的路灯坏了，晚上一片漆黑")
    page.click("#locate")
    page.locator("#place", has_text="没有允许定位").wait_for()

    page.context.set_offline(True)  # no network for the map: the page says so and stays as it was
    page.click("#pick-open")
    page.locator("#form-error", has_text="地图没有加载成功").wait_for()
    assert page.locator("#pick").is_hidden() and page.input_value("#description") == "小区门口的路灯坏了，晚上一片漆黑"
    page.context.set_offline(False)
    page.js_errors.clear()  # the failed loads while offline, logged by Chromium
    open_map(page)
    page.locator(".pick-label.street").first.wait_for()  # our own outlines, named, with no base map
    page.screenshot(path=str(SHOTS / "webapp_25_map_pick_open.png"), full_page=True)
    tap_at(page, lat, lng)
    picked = pin(page)
    assert abs(picked[0] - lat) < 2e-5 and abs(picked[1] - lng) < 2e-5  # within a pixel at zoom 17 (~1 m)
    page.locator("#place", has_text="已按地图选点定位").wait_for()  # and the preview names the place found there
    page.evaluate("() => document.getElementById('pick-map').scrollIntoView({block: 'center'})")
    page.locator("#pick-map").screenshot(path=str(SHOTS / "webapp_26_map_pick_pinned.png"))
    page.screenshot(path=str(SHOTS / "webapp_27_map_pick_filled.png"), full_page=True)
    page.click("#submit")
    page.locator("#done").wait_for()
    tracking_no = page.locator("#tracking-no").inner_text()

    db.session.expire_all()
    report = db.session.query(Report).filter_by(tracking_no=tracking_no).one()
    assert report.location_source == "client" and report.address is None
    assert abs(report.raw_lat - picked[0]) < 1e-6 and abs(report.raw_lng - picked[1]) < 1e-6
    assert report.community_code == code and report.street_code == street
    assert page.js_errors == []  # nothing refused by the page's Content-Security-Policy either


def test_a_typed_address_moves_the_pin_and_a_tap_corrects_it_on_amap_tiles(fake_amap_tiles, app, live_server,
                                                                          browser):
    """Under AMap-style tiles (GCJ-02) the outlines and the pin are drawn shifted onto the tiles' streets, and a
    tap comes back to CGCS2000 on the server: the report lies where the resident tapped on the tiles."""
    page = phone_without_location(browser)
    page.goto(f"{live_server}/m/")
    page.fill("#description", "香港中路12号门口的井盖丢了")
    page.fill("#address", "香港中路12号")
    page.locator("#place.ok").wait_for()  # the typed address was found
    open_map(page)
    page.wait_for_selector(".leaflet-tile-loaded")  # the page's policy lets the tile server's images in
    assert fake_amap_tiles and all(path.startswith("/amap/") for path in fake_amap_tiles)
    found = intake_runtime.geocoder().forward("香港中路12号")
    glat, glng = from_cgcs2000(found.lat, found.lng, "gcj02")
    at = pin(page)  # the found address, where AMap draws it
    assert abs(at[0] - glat) < 2e-6 and abs(at[1] - glng) < 2e-6

    code, street, lat, lng = community_point(20)
    tlat, tlng = from_cgcs2000(lat, lng, "gcj02")
    tap_at(page, tlat, tlng)
    page.locator("#place", has_text="已按地图选点定位").wait_for()
    page.evaluate("() => document.getElementById('pick-map').scrollIntoView({block: 'center'})")
    assert "测试底图" in page.locator(".leaflet-control-attribution").inner_text()
    page.locator("#pick-map").screenshot(path=str(SHOTS / "webapp_28_map_pick_amap.png"))
    page.fill("#address", "")
    page.click("#submit")
    page.locator("#done").wait_for()
    db.session.expire_all()
    report = db.session.query(Report).one()
    # the tap, converted back from GCJ-02: within a pixel (~1 m) of the place the resident meant
    assert abs(report.lat - lat) < 2e-5 and abs(report.lng - lng) < 2e-5
    assert report.community_code == code and report.street_code == street
    assert page.js_errors == []


def test_a_photo_taken_outside_the_district_is_said_so_and_a_tap_places_the_report(app, live_server, browser):
    """A photo whose GPS lies in 崂山区: before filing the page says the place is not served here and what to do
    (12345 for that district, or the map if the photo was taken elsewhere); a tap on the map then wins."""
    code, street, lat, lng = community_point(7)
    page = phone_without_location(browser)
    page.goto(f"{live_server}/m/")
    choose_photos(page, {"name": "IMG_0003.jpg", "mimeType": "image/jpeg",
                         "buffer": jpeg_bytes(1200, 900, gps=(36.1, 120.47))})
    page.locator(".thumb .state", has_text="含位置").wait_for()
    page.fill("#description", "路边垃圾桶满了，垃圾溢出来一地")
    place = page.locator("#place.warn", has_text="不在本平台受理范围")
    place.wait_for()
    assert "12345" in place.inner_text() and "地图上选点" in place.inner_text()
    assert "已按照片的拍摄位置定位" not in place.inner_text()
    page.screenshot(path=str(SHOTS / "webapp_29_photo_outside_area.png"), full_page=True)
    page.click("#submit")  # told once more, nothing sent yet
    page.locator("#form-error", has_text="不在本平台受理范围").wait_for()
    assert db.session.query(Report).count() == 0

    open_map(page)
    tap_at(page, lat, lng)
    page.locator("#place.ok", has_text="已按地图选点定位").wait_for()
    page.click("#submit")
    page.locator("#done").wait_for()
    db.session.expire_all()
    report = db.session.query(Report).one()
    assert report.location_source == "client" and len(report.photos) == 1
    assert report.community_code == code and report.street_code == street
    assert page.js_errors == []


def test_the_pick_layers_are_public_cached_and_follow_the_base_map(client, fake_amap_tiles):
    response = client.get("/m/map.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=300"
    data = response.json
    assert data["crs"] == "gcj02" and data["tiles"]["url"].endswith("/amap/{z}/{x}/{y}.png")
    assert {f["properties"]["level"] for f in data["areas"]["street"]["features"]} == {"street"}
    assert len(data["areas"]["community"]["features"]) == len(intake_runtime.geocoder().gaz.layers["community"].codes)
    again = client.get("/m/map.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    versioned = client.get(f"/m/map.json?v={intake_runtime.gazetteer_version()}")
    assert versioned.headers["Cache-Control"] == "public, max-age=86400"
    page = client.get("/m/")
    assert "http://127.0.0.1:" in page.headers["Content-Security-Policy"].split("img-src", 1)[1].split(";")[0]
