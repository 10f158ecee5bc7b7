"""The maps in Debian's Chromium: the staff map's markers and clusters for a seeded database, the case page's
point, the hotline map's click that sets the place, and the stats choropleth. Screenshots go to $STAFF_SCREENSHOTS.
No base map is configured, as in the embedded default: every layer comes from our API."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image

from intake.geo.crs import from_cgcs2000
from service_api.extensions import db
from service_api.models import Report
from tests.browser import NEEDS_CHROMIUM, SHOTS
from tests.maps.seed import grid_points, place_case
from tests.staff.test_browser import sign_in

pytestmark = NEEDS_CHROMIUM


def wait_until(page, expression: str, timeout_s: float = 30.0) -> None:
    """Poll a page expression with page.evaluate: wait_for_function evaluates strings with eval, which the
    console's Content-Security-Policy (script-src 'self') refuses."""
    import time

    deadline = time.monotonic() + timeout_s
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def counts_on_map(page) -> tuple[list[int], int]:
    clusters = [int(x) for x in page.locator(".cluster span").evaluate_all("els => els.map(e => e.dataset.count)")]
    return clusters, page.locator(".case-pt").count()


def test_staff_map_shows_clusters_and_points(app, make_staff, live_server, browser):
    spots = grid_points(40)
    lat, lng = spots[0][1], spots[0][2]
    crowd = [place_case(100 + i, lat + i * 0.00003, lng, status="dispatched") for i in range(5)]
    far = spots[39]
    lonely = place_case(200, far[1], far[2], status="registered")
    place_case(201, spots[20][1], spots[20][2], status="closed")  # not open: off the default map
    user, _ = make_staff("dispatcher")
    page = sign_in(browser, live_server, user.username)
    page.goto(f"{live_server}/staff/map")
    page.wait_for_selector("#staff-map[data-loaded='6']")
    clusters, singles = counts_on_map(page)
    assert sum(clusters) + singles == 6
    assert 5 in clusters or max(clusters, default=0) >= 5  # the crowd of one street corner is one cluster
    page.wait_for_selector(".area-label")  # street names drawn from our own outlines
    page.screenshot(path=str(SHOTS / "map_1_staff_map.png"), full_page=True)

    # Zoomed in on the crowd, a cluster opens into its cases; a click on one shows its popup and link.
    page.evaluate(f"() => {{ window.caseMap.map.setView([{lat + 0.00006}, {lng}], 19); }}")
    wait_until(page, "window.caseMap.shown.points >= 5")
    pin = page.locator(f".case-pt i[data-id='{crowd[2].id}']")
    assert pin.get_attribute("data-status") == "dispatched"
    pin.click()
    popup = page.locator(".case-popup")
    popup.wait_for()
    assert crowd[2].case_no in popup.inner_text()
    assert f" · {crowd[2].department.name}" in popup.inner_text()  # dispatched: its department, as on its page
    page.screenshot(path=str(SHOTS / "map_2_staff_map_popup.png"))
    popup.locator("a").click()
    page.wait_for_url(f"**/staff/cases/{crowd[2].case_no}")

    # The desk's filters: the list and the map agree.
    page.goto(f"{live_server}/staff/cases?status=registered")
    assert lonely.case_no in page.locator("#case-table").inner_text()
    page.click("#to-map")
    page.wait_for_selector("#staff-map[data-loaded='1']")
    assert page.locator("#f-status").input_value() == "registered"


def test_components_layer_on_the_staff_map(app, make_staff, live_server, browser, tmp_path):
    from service_api.components.importer import import_components
    from tests.components.conftest import BASE_LAT, BASE_LNG, LIGHT, MANHOLE, row, write_csv

    path = write_csv(tmp_path / "components.csv", [row(LIGHT, 1), row(LIGHT, 2, east_m=80),
                                                   row(MANHOLE, 3, north_m=60)])
    import_components(path, report_path=tmp_path / "errors.csv", progress=False)
    user, _ = make_staff("dispatcher")
    page = sign_in(browser, live_server, user.username)
    page.goto(f"{live_server}/staff/map")
    page.wait_for_selector("#staff-map[data-loaded]")
    toggle = page.locator("#layer-components")
    wait_until(page, "!document.getElementById('layer-components').disabled")
    page.evaluate(f"() => {{ window.caseMap.map.setView([{BASE_LAT}, {BASE_LNG}], 17); }}")
    toggle.check()
    wait_until(page, "window.caseMap.components === 3")
    page.screenshot(path=str(SHOTS / "map_5_components.png"))


def test_case_page_shows_the_case_and_its_reports(app, make_staff, live_server, browser):
    spots = grid_points(3)
    lat, lng = spots[1][1], spots[1][2]
    case = place_case(1, lat, lng, reports=[(lat, lng), (lat + 0.0003, lng + 0.0002)])
    near = place_case(2, lat + 0.0008, lng, status="dispatched")
    user, _ = make_staff("dispatcher")
    page = sign_in(browser, live_server, user.username)
    page.goto(f"{live_server}/staff/cases/{case.case_no}")
    me = page.locator(".case-self i")
    me.wait_for()
    assert me.get_attribute("data-case") == case.case_no
    point = page.evaluate("window.casePageMap.point")
    assert abs(point[0] - lat) < 1e-6 and abs(point[1] - lng) < 1e-6
    assert page.locator(".report-pt").count() == 2
    page.wait_for_selector(f".near-pt i[data-case='{near.case_no}']")
    assert page.evaluate("window.casePageMap.grid") == spots[1][0]
    page.locator("#case-map").screenshot(path=str(SHOTS / "map_3_case_map.png"))
    page.screenshot(path=str(SHOTS / "map_3_case_page.png"), full_page=True)


def test_hotline_click_sets_the_place_and_suggestions_follow(app, make_staff, live_server, browser):
    spots = grid_points(60)
    code, lat, lng = spots[50]
    existing = place_case(1, lat, lng, status="dispatched", matter_code="06042",
                          description="路边垃圾桶满了垃圾溢出")
    db.session.query(type(existing)).filter_by(id=existing.id).update({"extra": {"place_level": "door"}})
    db.session.commit()
    user, _ = make_staff("agent")
    page = sign_in(browser, live_server, user.username)
    page.goto(f"{live_server}/staff/calls/new")
    page.fill("#phone", "13912345678")
    page.fill("#description", "垃圾桶满了，垃圾溢出来")
    page.wait_for_selector("#call-map.leaflet-container")
    page.evaluate(f"() => {{ window.callMap.map.setView([{lat}, {lng}], 18); }}")
    page.wait_for_timeout(300)
    box = page.locator("#call-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    wait_until(page, f"document.getElementById('geocode').textContent.includes('{code}')")
    assert abs(float(page.input_value("#loc-lat")) - lat) < 5e-5
    assert abs(float(page.input_value("#loc-lng")) - lng) < 5e-5
    assert page.locator(".place-pin").count() == 1
    wait_until(page, f"document.getElementById('nearby').textContent.includes('{existing.case_no}')")
    page.screenshot(path=str(SHOTS / "map_4_hotline.png"), full_page=True)
    page.click("#save-call")
    page.wait_for_selector("#tracking-no")
    tracking_no = page.locator("#tracking-no").inner_text().strip()
    db.session.expire_all()
    report = db.session.query(Report).filter_by(tracking_no=tracking_no).one()
    assert report.location_source == "client"
    assert abs(report.lat - lat) < 5e-5 and abs(report.lng - lng) < 5e-5

    # A typed address that geocodes moves the marker there.
    page.goto(f"{live_server}/staff/calls/new")
    page.wait_for_selector("#call-map.leaflet-container")
    page.fill("#description", "井盖丢了")
    page.fill("#address", "香港中路12号")
    page.wait_for_selector(".place-pin")
    pin = page.evaluate("window.callMap.pin")
    assert pin is not None and abs(pin[0] - 36.06) < 0.05
    assert page.input_value("#loc-lat") == ""  # the typed place, not a click, is what gets saved


def test_stats_page_colours_streets_by_the_chosen_rate(app, make_staff, live_server, browser):
    from datetime import timedelta

    from service_api.models import utcnow

    spots = grid_points(400)
    first, other = spots[0], next(s for s in spots if s[0][:9] != spots[0][0][:9])
    now = utcnow()
    for no in range(3):
        place_case(no + 1, first[1], first[2], status="resolved", dispatched_at=now - timedelta(hours=5),
                   deadline=now + timedelta(days=1), resolved_at=now - timedelta(hours=1))
    place_case(9, first[1], first[2], status="dispatched")
    place_case(10, other[1], other[2], status="dispatched")
    user, _ = make_staff("reviewer")
    page = sign_in(browser, live_server, user.username)
    page.goto(f"{live_server}/staff/stats?group_by=street")
    page.wait_for_selector("#rate-map[data-rate]")
    page.select_option("#rate-map-rate", "handling_rate")
    page.wait_for_selector("#rate-map[data-rate='handling_rate']")
    shown = page.evaluate("window.rateMap.shown")
    assert shown[first[0][:9]] == 0.75 and shown[other[0][:9]] == 0
    assert sum(v is None for v in shown.values()) == len(shown) - 2  # the other streets: no data
    rank = page.locator("#rate-map-rank li").all_inner_texts()
    assert rank[0].endswith("75.0%（3 / 4）")
    table = page.locator("#stats-table").inner_text()
    assert "75.0%" in table  # the table grouped by street says the same
    page.locator("#rate-map-card").screenshot(path=str(SHOTS / "map_6_stats_map.png"))
    page.screenshot(path=str(SHOTS / "map_6_stats_page.png"), full_page=True)


def test_stats_page_colours_communities_and_switches_to_streets(app, make_staff, live_server, browser):
    """Grouped by community, the map starts at communities: two of one street apart in colour, as in the table;
    switched to streets, the street's figure is the two together."""
    from datetime import timedelta

    from service_api.cases import intake_runtime
    from service_api.models import utcnow

    geocoder = intake_runtime.geocoder()
    spots = [(lat, lng, geocoder.reverse(lat, lng, "cgcs2000")) for _, lat, lng in grid_points(400)]
    first = spots[0]
    other = next(s for s in spots if s[2].street_code == first[2].street_code
                 and s[2].community_code != first[2].community_code)
    now = utcnow()
    for no in range(2):
        place_case(no + 1, first[0], first[1], status="resolved", dispatched_at=now - timedelta(hours=5),
                   deadline=now + timedelta(days=1), resolved_at=now - timedelta(hours=1))
    place_case(8, other[0], other[1], status="resolved", dispatched_at=now - timedelta(hours=5),
               deadline=now + timedelta(days=1), resolved_at=now - timedelta(hours=1))
    for no in (9, 10, 11):
        place_case(no, other[0], other[1], status="dispatched")
    user, _ = make_staff("reviewer")
    page = sign_in(browser, live_server, user.username)
    page.goto(f"{live_server}/staff/stats?group_by=community")
    page.wait_for_selector("#rate-map[data-rate][data-level='community']")
    page.select_option("#rate-map-rate", "handling_rate")
    page.wait_for_selector("#rate-map[data-rate='handling_rate']")
    shown = page.evaluate("window.rateMap.shown")
    communities = geocoder.gaz.layers["community"].codes
    assert len(shown) == len(communities)  # every community outlined, the ones without cases grey
    assert shown[first[2].community_code] == 1 and shown[other[2].community_code] == 0.25
    assert sum(v is None for v in shown.values()) == len(shown) - 2
    rank = page.locator("#rate-map-rank li").all_inner_texts()
    assert rank[0] == f"{geocoder.gaz.area_name(first[2].community_code)} 100.0%（2 / 2）"
    assert rank[1].endswith("25.0%（1 / 4）")
    table = page.locator("#stats-table").inner_text()
    assert geocoder.gaz.area_name(other[2].community_code) in table and "25.0%" in table  # the same figures
    page.locator("#rate-map-card").screenshot(path=str(SHOTS / "map_8_stats_map_communities.png"))

    page.select_option("#rate-map-level", "street")
    page.wait_for_selector("#rate-map[data-rate='handling_rate'][data-level='street']")
    shown = page.evaluate("window.rateMap.shown")
    assert shown[first[2].street_code] == 0.5  # 3 of the street's 6 cases handled
    assert page.locator("#rate-map-rank li").first.inner_text().endswith("50.0%（3 / 6）")
    page.locator("#rate-map-card").screenshot(path=str(SHOTS / "map_9_stats_map_streets.png"))


@pytest.fixture
def fake_amap_tiles(settings) -> Iterator[list[str]]:
    """A tile server at the network edge, configured as an AMap-style (GCJ-02) base map before the app is made
    (its Content-Security-Policy names the tile server). Yields the paths asked for."""
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (230, 236, 222)).save(buffer, "PNG")
    tile = buffer.getvalue()
    fetched: list[str] = []

    class Tiles(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            fetched.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.map_tile_url = f"http://127.0.0.1:{server.server_port}/amap/{{z}}/{{x}}/{{y}}.png"
    settings.map_tile_attribution = "测试底图"
    settings.map_tile_crs = "gcj02"
    yield fetched
    server.shutdown()


def test_amap_tiles_under_the_case_page_with_the_point_shifted(fake_amap_tiles, app, make_staff, live_server,
                                                               browser):
    """Tiles come from the configured server and the case's point is drawn where AMap's streets are, not where our
    CGCS2000 coordinates would put it."""
    spots = grid_points(2)
    lat, lng = spots[1][1], spots[1][2]
    case = place_case(1, lat, lng)
    user, _ = make_staff("dispatcher")
    page = sign_in(browser, live_server, user.username)
    page.goto(f"{live_server}/staff/cases/{case.case_no}")
    page.locator(".case-self i").wait_for()
    page.wait_for_selector(".leaflet-tile-loaded")
    assert fake_amap_tiles and all(path.startswith("/amap/") for path in fake_amap_tiles)
    assert "测试底图" in page.locator(".leaflet-control-attribution").inner_text()
    glat, glng = from_cgcs2000(lat, lng, "gcj02")
    point = page.evaluate("window.casePageMap.point")
    assert abs(point[0] - glat) < 1e-6 and abs(point[1] - glng) < 1e-6
    page.locator("#case-map").screenshot(path=str(SHOTS / "map_7_case_map_tiles.png"))


# The area names written on the hotline map and where they stand (those left out where they would overlap are
# hidden: not counted).
LABELS = """() => [...document.querySelectorAll('#call-map .leaflet-tooltip.area-label')]
    .filter(e => getComputedStyle(e).visibility !== 'hidden').map(e => {
    const r = e.getBoundingClientRect(); return [e.textContent, r.left, r.top, r.right, r.bottom]; })"""


def assert_apart(labels: list) -> None:
    for i, (a, *box_a) in enumerate(labels):
        for b, *box_b in labels[i + 1:]:
            apart = box_a[2] <= box_b[0] or box_b[2] <= box_a[0] or box_a[3] <= box_b[1] or box_b[3] <= box_a[1]
            assert apart, f"{a} overlaps {b}"


def test_hotline_map_names_streets_at_the_district_zoom_and_communities_closer_in(app, make_staff, live_server,
                                                                                   browser):
    """At the district's zoom the ~55 community names overlapped into an unreadable heap: the map writes the
    street names there, the community names from zoom 15 on, and names a community on hover before that."""
    user, _ = make_staff("agent")
    page = sign_in(browser, live_server, user.username)
    page.goto(f"{live_server}/staff/calls/new")
    page.wait_for_selector("#call-map.leaflet-container")
    wait_until(page, "document.querySelectorAll('#call-map .leaflet-tooltip.area-label').length >= 5")
    page.wait_for_timeout(500)  # the community outlines arrive too
    labels = page.evaluate(LABELS)
    names = [label[0] for label in labels]
    assert len(names) >= 5 and all(name.endswith("街道") for name in names), names  # streets only, no 社区
    assert_apart(labels)
    page.screenshot(path=str(SHOTS / "map_7_hotline_district_zoom.png"), full_page=True)

    box = page.locator("#call-map").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#call-map .leaflet-tooltip.area-hover")
    assert page.locator("#call-map .leaflet-tooltip.area-hover").inner_text().endswith("社区")  # named on hover

    page.evaluate("() => { window.callMap.map.setZoom(15); }")
    wait_until(page, "[...document.querySelectorAll('#call-map .leaflet-tooltip.area-label')]"
                     ".some(e => e.textContent.endsWith('社区'))")
    page.wait_for_timeout(300)
    labels = page.evaluate(LABELS)
    names = [label[0] for label in labels]
    assert names and all(name.endswith("社区") for name in names), names  # the streets' names give way
    assert_apart(labels)
    page.screenshot(path=str(SHOTS / "map_8_hotline_community_names.png"), full_page=True)
    # A click on the map (over a community's outline) still sets the place.
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#loc-lat") != ""
