"""Case and tracking numbers as staff type them: the case URL and the search box of the case list."""

from __future__ import annotations

from tests.staff.test_desk import make_case


def test_case_url_with_full_width_dashes_redirects_to_the_case(staff_client):
    case = make_case(1)
    client, _ = staff_client("dispatcher")
    typed = case.case_no.replace("-", "－").lower()
    response = client.get(f"/staff/cases/{typed}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/cases/{case.case_no}")
    assert case.description in client.get(f"/staff/cases/{typed}", follow_redirects=True).get_data(as_text=True)


def test_case_list_searches_by_case_or_tracking_number(staff_client):
    case = make_case(1)
    client, _ = staff_client("dispatcher")
    page = client.get("/staff/cases").get_data(as_text=True)
    assert 'id="f-ref"' in page and "按编号查找" in page
    typed_forms = (f" {case.case_no.replace('-', '－')} ", case.case_no.replace("-", "一").lower(),
                   "r2026112400０１００")
    for typed in typed_forms:
        response = client.get("/staff/cases", query_string={"ref": typed})
        assert response.status_code == 302, typed
        assert response.headers["Location"].endswith(f"/staff/cases/{case.case_no}"), typed
    missing = client.get("/staff/cases", query_string={"ref": "C370202-20000101-00009"}).get_data(as_text=True)
    assert "未找到编号为 C370202-20000101-00009 的案件或反映" in missing


def test_handler_search_does_not_reach_other_departments(staff_client):
    other = make_case(2, department="370202-hjws")
    handler, _ = staff_client("handler", department_code="street:370202001")
    page = handler.get("/staff/cases", query_string={"ref": other.case_no}).get_data(as_text=True)
    assert "未找到" in page
