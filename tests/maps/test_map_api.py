"""/api/v1/map: area outlines by bbox and zoom, case points and counts filtered like the desk, authorisation,
and the shift into GCJ-02 when the base map is AMap-style."""

from __future__ import annotations

from datetime import timedelta

import pytest
import shapely
from shapely.geometry import shape

from intake.geo.crs import from_cgcs2000
from service_api.cases import intake_runtime
from service_api.extensions import db
from service_api.models import utcnow
from tests.maps.seed import grid_points, place_case


def test_area_layer_is_filtered_by_bbox(client, make_staff):
    _, headers = make_staff("dispatcher")
    everything = client.get("/api/v1/map/areas?level=grid&zoom=16", headers=headers).get_json()
    box = "120.30,36.05,120.32,36.07"
    some = client.get(f"/api/v1/map/areas?level=grid&zoom=16&bbox={box}", headers=headers).get_json()
    assert 0 < len(some["features"]) < len(everything["features"])
    window = shapely.box(120.30, 36.05, 120.32, 36.07)
    for feature in everything["features"]:
        inside = feature in some["features"]
        assert inside == shape(feature["geometry"]).intersects(window), feature["properties"]["code"]
    assert {f["properties"]["level"] for f in some["features"]} == {"grid"}


def test_outlines_are_simpler_at_city_zoom(client, make_staff):
    _, headers = make_staff("reviewer")

    def vertices(zoom: int) -> int:
        body = client.get(f"/api/v1/map/areas?level=street&zoom={zoom}", headers=headers).get_json()
        return sum(shapely.get_num_coordinates(shape(f["geometry"])) for f in body["features"])

    near, far = vertices(18), vertices(10)
    assert far < near
    body = client.get("/api/v1/map/areas?level=street&zoom=10", headers=headers).get_json()
    full = client.get("/api/v1/map/areas?level=street&zoom=18", headers=headers).get_json()
    for coarse, fine in zip(body["features"], full["features"], strict=True):
        # Half a pixel at zoom 10 is ~0.0007°: the simplified outline stays within a pixel of the full one.
        assert shape(coarse["geometry"]).hausdorff_distance(shape(fine["geometry"])) < 360 / 256 / 2 ** 10


def test_area_layer_revalidates_with_its_etag(client, make_staff):
    _, headers = make_staff("dispatcher")
    first = client.get("/api/v1/map/areas?level=community", headers=headers)
    assert first.status_code == 200 and first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get("/api/v1/map/areas?level=community", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    config = client.get("/api/v1/map/config", headers=headers).get_json()
    versioned = client.get(f"/api/v1/map/areas?level=community&v={config['gazetteer_version']}", headers=headers)
    assert "max-age=86400" in versioned.headers["Cache-Control"]


@pytest.mark.parametrize("query, field", [
    ("level=block", "level"), ("level=grid&bbox=1,2,3", "bbox"), ("level=grid&bbox=120.4,36,120.3,36.1", "bbox"),
    ("level=grid&bbox=a,b,c,d", "bbox"), ("level=grid&zoom=x", "zoom"),
])
def test_bad_layer_arguments_are_named(client, make_staff, query, field):
    _, headers = make_staff("dispatcher")
    response = client.get(f"/api/v1/map/areas?{query}", headers=headers)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert field in response.get_json()["errors"] or field in str(response.get_json()["errors"])


def test_layers_are_for_staff_only(client, make_staff, staff_session):
    for path in ("/api/v1/map/config", "/api/v1/map/areas?level=grid", "/api/v1/map/cases", "/api/v1/map/counts"):
        assert client.get(path).status_code == 401, path
        bad = client.get(path, headers={"Authorization": "Bearer nonsense"})
        assert bad.status_code == 401, path
    # The console's own pages read the layers with their session cookie.
    session = staff_session("dispatcher")
    assert session.get("/api/v1/map/cases").status_code == 200


def test_points_follow_the_desk_filters_and_bbox(client, make_staff):
    spots = grid_points(6)
    registered = place_case(1, spots[0][1], spots[0][2], status="registered")
    dispatched = place_case(2, spots[1][1], spots[1][2], status="dispatched")
    overdue = place_case(3, spots[2][1], spots[2][2], status="dispatched",
                         dispatched_at=utcnow() - timedelta(days=3), deadline=utcnow() - timedelta(hours=1))
    closed = place_case(4, spots[3][1], spots[3][2], status="closed")
    other_dept = place_case(5, spots[4][1], spots[4][2], department="370202-hjws")
    unplaced = place_case(6, 0, 0)
    unplaced.lat = unplaced.lng = None
    from service_api.extensions import db

    db.session.commit()
    _, headers = make_staff("dispatcher")

    def ids(query: str = "") -> set[int]:
        body = client.get(f"/api/v1/map/cases?{query}", headers=headers).get_json()
        assert body["count"] == len(body["id"]) == len(body["lat"]) == len(body["lng"]) == len(body["status"])
        return set(body["id"])

    assert ids() == {registered.id, dispatched.id, overdue.id, closed.id, other_dept.id}
    assert ids("status=open") == {registered.id, dispatched.id, overdue.id, other_dept.id}
    assert ids("queue=overdue") == {overdue.id}
    assert ids("department=370202-hjws") == {other_dept.id}
    lat, lng = spots[0][1], spots[0][2]
    assert ids(f"bbox={lng - 0.0005},{lat - 0.0005},{lng + 0.0005},{lat + 0.0005}") == {registered.id}
    body = client.get("/api/v1/map/cases?queue=overdue", headers=headers).get_json()
    assert body["overdue"] == [1] and body["statuses"][body["status"][0]] == "dispatched"
    assert (body["lat"][0], body["lng"][0]) == pytest.approx((spots[2][1], spots[2][2]), abs=1e-5)
    # The desk list with the same filters holds the same cases.
    _, handler_headers = make_staff("handler", department_code="370202-hjws")
    handler_ids = client.get("/api/v1/map/cases", headers=handler_headers).get_json()["id"]
    assert handler_ids == [other_dept.id]
    assert client.get("/api/v1/map/cases?status=nonsense", headers=headers).status_code == 422
    assert client.get("/api/v1/map/cases?date_from=2026-12-02&date_to=2026-12-01",
                      headers=headers).status_code == 422


def test_counts_per_grid(client, make_staff):
    spots = grid_points(2)
    for no in range(3):
        place_case(10 + no, spots[0][1], spots[0][2])
    place_case(20, spots[1][1], spots[1][2])
    place_case(21, spots[1][1], spots[1][2], status="closed")
    _, headers = make_staff("dispatcher")
    body = client.get("/api/v1/map/counts?status=open", headers=headers).get_json()
    assert body["counts"] == {spots[0][0]: 3, spots[1][0]: 1} and body["max"] == 3
    streets = client.get("/api/v1/map/counts?level=street", headers=headers).get_json()
    assert streets["total"] == 5


def test_popup_and_surroundings(client, make_staff):
    spots = grid_points(1)
    lat, lng = spots[0][1], spots[0][2]
    case = place_case(1, lat, lng, reports=[(lat, lng), (lat + 0.0002, lng + 0.0002)])
    near = place_case(2, lat + 0.001, lng, status="dispatched")
    place_case(3, lat + 0.02, lng)  # ~2 km away
    place_case(4, lat, lng + 0.0005, status="closed")
    _, headers = make_staff("dispatcher")
    popup = client.get(f"/api/v1/map/cases/{case.id}", headers=headers).get_json()
    assert popup["case_no"] == case.case_no and popup["url"].endswith(case.case_no)
    assert client.get("/api/v1/map/cases/999999", headers=headers).status_code == 404
    around = client.get(f"/api/v1/map/cases/{case.case_no}/surroundings", headers=headers).get_json()
    assert around["location"] == {"lat": round(lat, 6), "lng": round(lng, 6)}
    assert len(around["reports"]) == 2
    assert around["grid"]["properties"]["code"] == spots[0][0]
    assert shape(around["grid"]["geometry"]).contains(shapely.Point(lng, lat))
    assert [n["case_no"] for n in around["nearby"]] == [near.case_no]
    assert 100 < around["nearby"][0]["distance_m"] < 125


@pytest.fixture
def amap_tiles(settings):
    settings.map_tile_url = "http://tiles.invalid/{z}/{x}/{y}.png"
    settings.map_tile_attribution = "测试底图"
    settings.map_tile_crs = "gcj02"


def test_everything_shifts_into_gcj02_under_amap_tiles(amap_tiles, client, make_staff):
    spots = grid_points(1)
    lat, lng = spots[0][1], spots[0][2]
    case = place_case(1, lat, lng)
    _, headers = make_staff("dispatcher")
    config = client.get("/api/v1/map/config", headers=headers).get_json()
    assert config["crs"] == "gcj02" and config["tiles"]["url"].startswith("http://tiles.invalid")
    glat, glng = from_cgcs2000(lat, lng, "gcj02")
    body = client.get("/api/v1/map/cases", headers=headers).get_json()
    assert (body["lat"][0], body["lng"][0]) == pytest.approx((glat, glng), abs=1e-5)
    assert abs(glng - lng) > 0.004  # several hundred metres: the shift is real
    # A bbox drawn on the GCJ-02 map around the shifted point finds the case.
    box = f"{glng - 0.0003},{glat - 0.0003},{glng + 0.0003},{glat + 0.0003}"
    assert client.get(f"/api/v1/map/cases?bbox={box}", headers=headers).get_json()["id"] == [case.id]
    grid = client.get("/api/v1/map/areas?level=grid&zoom=18", headers=headers).get_json()
    mine = next(f for f in grid["features"] if f["properties"]["code"] == spots[0][0])
    assert shape(mine["geometry"]).contains(shapely.Point(glng, glat))
    around = client.get(f"/api/v1/map/cases/{case.case_no}/surroundings", headers=headers).get_json()
    assert around["location"] == {"lat": round(glat, 6), "lng": round(glng, 6)}


def test_a_mistyped_tile_crs_stops_the_start(settings):
    from service_api import create_app

    settings.map_tile_crs = "baidu"
    with pytest.raises(ValueError, match="MAP_TILE_CRS"):
        create_app(settings=settings)


def test_a_cut_answer_says_so(app, make_staff):
    import json

    from service_api.extensions import db
    from service_api.maps.filters import DeskFilters
    from service_api.maps.points import case_points_json

    spots = grid_points(3)
    for no, (_, lat, lng) in enumerate(spots):
        place_case(no + 1, lat, lng)
    staff, _ = make_staff("dispatcher")
    dialect = db.engine.dialect.name
    cut = json.loads(case_points_json(staff, DeskFilters(), None, dialect, "cgcs2000", limit=2))
    assert cut["count"] == 2 and cut["truncated"] and len(cut["id"]) == len(cut["lat"]) == 2
    whole = json.loads(case_points_json(staff, DeskFilters(), None, dialect, "cgcs2000", limit=3))
    assert whole["count"] == 3 and not whole["truncated"]
    empty = json.loads(case_points_json(staff, DeskFilters(None, {"status": "closed"}), None, dialect, "gcj02"))
    assert empty == {"count": 0, "truncated": False, "statuses": whole["statuses"], "id": [], "lng": [], "lat": [],
                     "status": [], "overdue": []}


def test_components_layer_reads_the_registry(app, tmp_path, staff_session, settings):
    from service_api.components.importer import import_components
    from tests.components.conftest import BASE_LAT, BASE_LNG, LIGHT, MANHOLE, row, write_csv

    path = write_csv(tmp_path / "components.csv", [row(LIGHT, 1), row(LIGHT, 2, east_m=80),
                                                   row(MANHOLE, 3, north_m=60), row(LIGHT, 4, east_m=3000)])
    import_components(path, report_path=tmp_path / "errors.csv", progress=False)
    session = staff_session("dispatcher")
    box = f"{BASE_LNG - 0.002},{BASE_LAT - 0.002},{BASE_LNG + 0.002},{BASE_LAT + 0.002}"
    layer = session.get(f"/api/v1/map/components?bbox={box}").get_json()
    assert sorted(f["properties"]["code"][-1] for f in layer["features"]) == ["1", "2", "3"]
    assert not layer["truncated"] and "owner" not in layer["features"][0]["properties"]
    lights = session.get(f"/api/v1/map/components?bbox={box}&type={LIGHT}").get_json()
    assert {f["properties"]["type"] for f in lights["features"]} == {LIGHT}
    assert session.get("/api/v1/map/components?bbox=120,36,121,37").status_code == 422  # a whole region: zoom in
    assert session.get(f"/api/v1/map/components?bbox={box}&type=lamp").status_code == 422
    first = next(f for f in layer["features"] if f["properties"]["code"].endswith("1"))
    lng, lat = first["geometry"]["coordinates"]
    # Under GCJ-02 tiles the same component is drawn where AMap's streets are.
    settings.map_tile_url, settings.map_tile_crs = "http://tiles.invalid/{z}/{x}/{y}.png", "gcj02"
    glat, glng = from_cgcs2000(lat, lng, "gcj02")
    gbox = f"{glng - 0.002},{glat - 0.002},{glng + 0.002},{glat + 0.002}"
    shifted = session.get(f"/api/v1/map/components?bbox={gbox}").get_json()
    moved = next(f for f in shifted["features"] if f["properties"]["code"] == first["properties"]["code"])
    assert moved["geometry"]["coordinates"] == pytest.approx([glng, glat], abs=2e-6)


def test_street_rates_are_the_tables_figures(client, make_staff):
    spots = grid_points(400)
    first, other = spots[0], next(s for s in spots if s[0][:9] != spots[0][0][:9])
    now = utcnow()
    for no in range(3):
        place_case(no + 1, first[1], first[2], status="resolved", dispatched_at=now - timedelta(hours=5),
                   deadline=now + timedelta(days=1), resolved_at=now - timedelta(hours=1))
    place_case(9, first[1], first[2], status="dispatched")
    place_case(10, other[1], other[2], status="dispatched")
    _, headers = make_staff("reviewer")
    body = client.get("/api/v1/map/rates", headers=headers).get_json()
    table = client.get("/api/v1/stats/satisfaction?group_by=street", headers=headers).get_json()
    rows = {r["key"]: r for r in table["rows"] if r["key"]}
    assert set(body["areas"]) == set(rows) == {first[0][:9], other[0][:9]}
    for code, area in body["areas"].items():
        for rate in ("satisfaction_rate", "on_time_close_rate", "handling_rate"):
            assert area[rate] == {"value": rows[code][rate], "numerator": rows[code][f"{rate}_numerator"],
                                  "denominator": rows[code][f"{rate}_denominator"]}, (code, rate)
    assert body["areas"][first[0][:9]]["handling_rate"]["value"] == 0.75
    assert body["areas"][other[0][:9]]["handling_rate"]["value"] == 0
    _, handler = make_staff("handler")
    assert client.get("/api/v1/map/rates", headers=handler).status_code == 403
    assert client.get("/api/v1/map/rates?level=grid", headers=headers).status_code == 422
    assert client.get("/api/v1/map/rates?from=2026-12-05&to=2026-11-01", headers=headers).status_code == 422


def test_community_rates_are_the_tables_figures(client, make_staff):
    """Two communities of the same street coloured apart: the street's figure would hide the difference."""
    geocoder = intake_runtime.geocoder()
    spots = [(code, lat, lng, geocoder.reverse(lat, lng, "cgcs2000")) for code, lat, lng in grid_points(400)]
    first = spots[0]
    other = next(s for s in spots if s[3].street_code == first[3].street_code
                 and s[3].community_code != first[3].community_code)
    now = utcnow()
    for no in range(2):
        place_case(no + 1, first[1], first[2], status="resolved", dispatched_at=now - timedelta(hours=5),
                   deadline=now + timedelta(days=1), resolved_at=now - timedelta(hours=1))
    place_case(8, other[1], other[2], status="resolved", dispatched_at=now - timedelta(hours=5),
               deadline=now + timedelta(days=1), resolved_at=now - timedelta(hours=1))
    for no in (9, 10, 11):
        place_case(no, other[1], other[2], status="dispatched")
    _, headers = make_staff("reviewer")
    body = client.get("/api/v1/map/rates?level=community", headers=headers).get_json()
    table = client.get("/api/v1/stats/satisfaction?group_by=community", headers=headers).get_json()
    rows = {r["key"]: r for r in table["rows"] if r["key"]}
    assert body["level"] == "community"
    assert set(body["areas"]) == set(rows) == {first[3].community_code, other[3].community_code}
    for code, area in body["areas"].items():
        assert area["name"] == rows[code]["label"] == geocoder.gaz.area_name(code)
        for rate in ("satisfaction_rate", "on_time_close_rate", "handling_rate"):
            assert area[rate] == {"value": rows[code][rate], "numerator": rows[code][f"{rate}_numerator"],
                                  "denominator": rows[code][f"{rate}_denominator"]}, (code, rate)
    assert body["areas"][first[3].community_code]["handling_rate"]["value"] == 1
    assert body["areas"][other[3].community_code]["handling_rate"]["value"] == 0.25
    street = client.get("/api/v1/map/rates", headers=headers).get_json()["areas"]
    assert street[first[3].street_code]["handling_rate"]["value"] == 0.5  # 3 of 6 across the two




def test_popup_says_what_the_case_page_says_about_the_department(client, make_staff):
    """A case waiting for triage has only intake's routing guess: the popup does not name it as assigned."""
    spots = grid_points(2)
    waiting = place_case(1, spots[0][1], spots[0][2], status="received", triage=True)
    dispatched = place_case(2, spots[1][1], spots[1][2], status="dispatched")
    _, headers = make_staff("dispatcher")
    popup = client.get(f"/api/v1/map/cases/{waiting.id}", headers=headers).get_json()
    assert popup["department"] is None and popup["department_text"] == "待分拣，未派遣"
    popup = client.get(f"/api/v1/map/cases/{dispatched.id}", headers=headers).get_json()
    assert popup["department"] == dispatched.department.name == popup["department_text"]


def test_a_point_outside_the_served_area_is_not_a_located_case(app, client, make_staff):
    """A phone with no fix sends 0,0: that case is not counted or drawn on the map, and its page says why."""
    spots = grid_points(1)
    inside = place_case(1, spots[0][1], spots[0][2])
    nowhere = place_case(2, 0.0, 0.0)
    nowhere.address = None  # what the trial's report had: a point and no words
    db.session.commit()
    _, headers = make_staff("dispatcher")
    body = client.get("/api/v1/map/cases?status=registered", headers=headers).get_json()
    assert body["count"] == 1 and body["id"] == [inside.id]
    around = client.get(f"/api/v1/map/cases/{nowhere.case_no}/surroundings", headers=headers).get_json()
    assert around["location"] is None and around["outside_served_area"] is True
    assert [r["location"] for r in around["reports"]] == [None]
    inside_around = client.get(f"/api/v1/map/cases/{inside.case_no}/surroundings", headers=headers).get_json()
    assert inside_around["location"] is not None and inside_around["outside_served_area"] is False

    from tests.staff.conftest import PASSWORD, StaffClient

    user, _ = make_staff("dispatcher")
    app.test_client_class = StaffClient
    console = app.test_client()
    assert console.post_form("/staff/login", {"username": user.username, "password": PASSWORD}).status_code == 302
    page = console.get(f"/staff/cases/{nowhere.case_no}").get_data(as_text=True)
    assert 'id="case-outside"' in page and "定位在服务范围之外" in page and 'id="case-map"' not in page
    page = console.get(f"/staff/cases/{inside.case_no}").get_data(as_text=True)
    assert 'id="case-map"' in page and 'id="case-outside"' not in page
