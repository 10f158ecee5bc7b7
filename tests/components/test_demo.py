"""The demo component set: a few thousand assets along the demo roads, labelled demo, that intake matches."""

from __future__ import annotations

from service_api.components.demo import load_demo_components
from service_api.components.models import Component
from service_api.extensions import db
from service_api.models import Case
from tests.components.conftest import LIGHT, code, row


def test_demo_components_are_laid_out_and_reloading_keeps_imported_ones(app, load_components) -> None:
    assert load_components([row(LIGHT, 1, name="登记的路灯")]).applied
    count = load_demo_components()
    assert 2000 <= count <= 8000
    assert load_demo_components() == count  # replaced, not added again
    kinds = dict(db.session.query(Component.type_code, db.func.count()).filter_by(source="demo")
                 .group_by(Component.type_code).all())
    assert {"01037", "01001", "03005", "04007", "02012", "01013"} <= set(kinds)
    assert db.session.get(Component, code(LIGHT, 1)).name == "登记的路灯"  # the imported row keeps its code
    assert db.session.query(Component).filter_by(source="demo", street_code=None).count() == 0


def test_a_demo_street_light_is_matched_and_its_maintainer_gets_the_case(app, client) -> None:
    load_demo_components()
    body = client.post("/api/v1/reports", json={"description": "香港中路12号门口的路灯不亮了",
                                                "address": "香港中路12号"}).get_json()
    case = db.session.query(Case).filter_by(case_no=body["case_no"]).one()
    light = db.session.get(Component, case.component_code)
    assert light.type_code == LIGHT and light.source == "demo" and case.component_distance_m <= 30
    assert case.department.code == "370202-szfw"  # the demo lights' maintainer
