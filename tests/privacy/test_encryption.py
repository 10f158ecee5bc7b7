"""Phones are stored encrypted, found through their keyed hash."""

from __future__ import annotations

from sqlalchemy import text

from service_api.extensions import db
from service_api.models import Citizen, Report
from tests.privacy.conftest import RESIDENT_PHONE, make_case


def test_phones_are_ciphertext_in_the_table_and_still_found_by_equality(app):
    case = make_case()
    db.session.add(Citizen(phone=RESIDENT_PHONE))
    db.session.commit()
    stored = db.session.execute(text("SELECT contact_phone, contact_phone_hash FROM reports")).one()
    assert stored[0].startswith("enc:") and RESIDENT_PHONE not in stored[0] and RESIDENT_PHONE not in stored[1]
    raw_citizen = db.session.execute(text("SELECT phone FROM citizens")).scalar_one()
    assert raw_citizen.startswith("enc:")
    db.session.expire_all()
    assert db.session.query(Citizen).filter_by(phone=RESIDENT_PHONE).one().phone == RESIDENT_PHONE
    found = db.session.query(Report).filter(Report.contact_phone.in_([RESIDENT_PHONE, "+8613800000000"])).all()
    assert [r.case_id for r in found] == [case.id]
    assert db.session.query(Report).filter(Report.contact_phone == "+8613800000000").count() == 0
