"""Open311: 部件 services offer the optional attribute `component_code`; a request naming a component is about it."""

from __future__ import annotations

import pytest

from service_api.extensions import db
from service_api.models import Case, Report
from tests.components.conftest import LIGHT, code, row
from tests.open311.conftest import BASE, assert_valid


@pytest.fixture
def api_key(app) -> str:
    from service_api.open311.keys import create_key

    return create_key("部件巡查App")[1]


@pytest.fixture
def street(load_components):
    assert load_components([row(LIGHT, 1, maintainer="370202-szfw"),
                            row(LIGHT, 2, east_m=300, owner="qd-power")]).applied


def _post(client, key: str, **fields: str):
    data = {"api_key": key, "service_code": LIGHT, "lat": "36.0620", "long": "120.3845",
            "description": "路灯不亮了", "attribute[lamp_fault]": "off", **fields}
    return client.post(f"{BASE}/requests.json", data=data)


def test_component_services_carry_the_optional_component_code_attribute(client) -> None:
    light = client.get(f"{BASE}/services/{LIGHT}.json").json
    assert_valid("service-definition.json", light)
    attribute = next(a for a in light["attributes"] if a["code"] == "component_code")
    assert attribute["datatype"] == "string" and attribute["required"] is False and attribute["variable"] is True
    services = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json}
    assert services[LIGHT]["metadata"] is True
    noise = client.get(f"{BASE}/services/06028.json").json  # an event, not an asset: no component
    assert "component_code" not in {a["code"] for a in noise["attributes"]}


def test_a_request_naming_a_component_is_about_it_and_goes_to_its_maintainer(client, api_key, street) -> None:
    # The partner's point is far from light 2 (and near no light): the code, not the distance, decides.
    response = _post(client, api_key, **{"attribute[component_code]": code(LIGHT, 2)})
    assert response.status_code == 201, response.data
    report = db.session.query(Report).one()
    case = db.session.get(Case, report.case_id)
    assert case.component_code == code(LIGHT, 2) and case.extra["component_match"] == "given"
    assert case.department.code == "qd-power"  # light 2 has no maintainer: its owner


@pytest.mark.parametrize(("value", "needle"), [("12ab", "17位数字"), (code(LIGHT, 77), "未登记")])
def test_a_bad_or_unknown_component_code_is_400_and_files_nothing(client, api_key, street, value, needle) -> None:
    response = _post(client, api_key, **{"attribute[component_code]": value})
    assert response.status_code == 400
    assert "component_code" in response.json[0]["description"] and needle in response.json[0]["description"]
    assert db.session.query(Report).count() == 0
