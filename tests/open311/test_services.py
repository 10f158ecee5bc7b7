"""discovery, services and service definitions, in JSON and XML, plus jurisdiction checks."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tests.open311.conftest import BASE, assert_valid


def test_discovery_lists_the_v2_endpoint_in_both_formats(client):
    body = client.get(f"{BASE}/discovery.json").json
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver.local/open311/v2/"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    assert body["changeset"] and body["contact"] and body["key_service"]

    root = ET.fromstring(client.get(f"{BASE}/discovery.xml").data)
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


def test_services_are_the_reportable_matters_with_chinese_names(client):
    response = client.get(f"{BASE}/services.json")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    assert "噪声扰民".encode() in response.data  # UTF-8 as is, not \u escapes
    services = response.json
    assert_valid("services.json", services)
    by_code = {s["service_code"]: s for s in services}
    noise = by_code["06028"]
    assert noise["service_name"] == "噪声扰民" and noise["group"] == "市容环境类"
    assert noise["metadata"] is True and noise["type"] == "batch"
    assert "噪音大" in noise["keywords"].split(",")  # a synonym from the directory
    assert by_code["06001"]["metadata"] is False  # 私搭乱建 has no extra questions
    assert "01001" in by_code and by_code["01001"]["service_name"] == "供水井盖异常"
    # Components (管理部件) are not services; only matters residents report are.
    assert len(services) == len({s["service_code"] for s in services})
    assert all(not s["service_name"].endswith("井盖") for s in services)


def test_services_xml_uses_the_spec_elements(client):
    response = client.get(f"{BASE}/services.xml")
    assert response.content_type == "text/xml; charset=utf-8"
    root = ET.fromstring(response.data)
    assert root.tag == "services"
    noise = next(s for s in root.findall("service") if s.findtext("service_code") == "06028")
    assert noise.findtext("service_name") == "噪声扰民"
    assert noise.findtext("metadata") == "true"
    assert noise.findtext("type") == "batch"
    assert noise.find("group") is not None and noise.find("keywords") is not None


def test_service_definition_validates_and_carries_the_attributes(client):
    definition = client.get(f"{BASE}/services/06028.json").json
    assert_valid("service-definition.json", definition)
    attributes = {a["code"]: a for a in definition["attributes"]}
    time_of_day = attributes["time_of_day"]
    assert time_of_day["datatype"] == "singlevaluelist" and time_of_day["required"] is True
    assert {v["key"] for v in time_of_day["values"]} == {"day", "night", "both"}
    assert attributes["first_noticed"]["datatype"] == "datetime"
    assert [a["order"] for a in definition["attributes"]] == list(range(1, len(definition["attributes"]) + 1))

    manhole = client.get(f"{BASE}/services/01023.json").json  # 不明井盖异常, matched by name
    assert_valid("service-definition.json", manhole)
    codes = {a["code"]: a for a in manhole["attributes"]}
    assert codes["hole_open"]["required"] is True
    assert codes["safety_notice"]["variable"] is False


def test_service_definition_xml_uses_the_spec_elements(client):
    root = ET.fromstring(client.get(f"{BASE}/services/09006.xml").data)
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "09006"
    attributes = root.findall("attributes/attribute")
    goods = next(a for a in attributes if a.findtext("code") == "goods")
    assert goods.findtext("datatype") == "multivaluelist"
    assert goods.findtext("variable") == "true" and goods.findtext("required") == "false"
    assert ("fruit", "水果") in [(v.findtext("key"), v.findtext("name")) for v in goods.findall("values/value")]


def test_unknown_service_is_404_in_open311_error_format(client):
    response = client.get(f"{BASE}/services/99999.json")
    assert response.status_code == 404
    assert response.json[0]["code"] == 404 and "99999" in response.json[0]["description"]
    xml = client.get(f"{BASE}/services/99999.xml")
    root = ET.fromstring(xml.data)
    assert xml.status_code == 404 and root.tag == "errors"
    assert root.findtext("error/code") == "404" and root.findtext("error/description")
    # An unknown format is not a route at all, and still answers in Open311 form.
    assert client.get(f"{BASE}/services.csv").status_code == 404
    assert client.get(f"{BASE}/services.csv").json[0]["code"] == 404


def test_unknown_paths_and_methods_answer_in_open311_format(client):
    missing = client.get(f"{BASE}/nothing-here.xml")
    assert missing.status_code == 404 and ET.fromstring(missing.data).tag == "errors"
    wrong_method = client.delete(f"{BASE}/services.json")
    assert wrong_method.status_code == 405
    assert wrong_method.json == [{"code": 405, "description": wrong_method.json[0]["description"]}]
    assert "GET" in wrong_method.headers["Allow"]


def test_jurisdiction_is_checked_and_required_when_several(app, client):
    assert client.get(f"{BASE}/services.json?jurisdiction_id=qingdao.shinan").status_code == 200
    unknown = client.get(f"{BASE}/services.json?jurisdiction_id=beijing.dongcheng")
    assert unknown.status_code == 400 and "jurisdiction_id" in unknown.json[0]["description"]
    app.extensions["settings"].open311_jurisdictions = "qingdao.shinan,qingdao.shibei"
    missing = client.get(f"{BASE}/requests.json")
    assert missing.status_code == 400 and "jurisdiction_id" in missing.json[0]["description"]
    assert client.get(f"{BASE}/requests.json?jurisdiction_id=qingdao.shibei").status_code == 200


def test_post_needs_a_jurisdiction_when_several(app, post_request):
    app.extensions["settings"].open311_jurisdictions = "qingdao.shinan,qingdao.shibei"
    missing = post_request()
    assert missing.status_code == 400 and "jurisdiction_id" in missing.json[0]["description"]
    assert post_request(jurisdiction_id="qingdao.shinan").status_code == 201


def test_unexpected_failure_is_500_in_open311_format(client, monkeypatch):
    from service_api.open311 import query

    def broken(filters):
        raise RuntimeError("database went away")

    monkeypatch.setattr(query, "find_reports", broken)
    response = client.get(f"{BASE}/requests.xml")
    assert response.status_code == 500
    root = ET.fromstring(response.data)
    assert root.findtext("error/code") == "500" and "database" not in response.data.decode()
