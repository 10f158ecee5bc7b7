"""Phones are stored encrypted, found through their keyed hash."""

from __future__ import annotations

from cryptography.fernet import Fernet
from sqlalchemy import text

from service_api.audit.actions import AuditAction
from service_api.auth.staff import create_staff_user
from service_api.extensions import db
from service_api.models import Citizen, Notification, Report, StaffUser
from service_api.models.encrypted import encrypt
from tests.privacy.conftest import RESIDENT_PHONE, make_case
from tests.privacy.test_audit import entries


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


OTHER_PHONE = "+8613800001111"


def _raw(table: str, column: str) -> list[str]:
    return list(db.session.execute(text(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY id"))
                .scalars())


def _under(key: str, stored: str) -> str:
    assert stored.startswith("enc:")
    return Fernet(key.encode()).decrypt(stored[4:].encode()).decode()


def _personal_data(app, key: str) -> tuple[Report, StaffUser]:
    app.extensions["settings"].personal_data_keys = key
    case = make_case()
    db.session.add(Citizen(phone=OTHER_PHONE, wechat_openid="o-rotate"))
    db.session.add(Notification(kind="closed", channel="sms", recipient=RESIDENT_PHONE, case_id=case.id,
                                report_id=case.reports[0].id, status="sent"))
    user = create_staff_user(f"admin-{case.id}", "Correct-Horse-19", "admin")
    user.totp_secret = "JBSWY3DPEHPK3PXP"
    db.session.commit()
    return case.reports[0], user


def test_rotating_the_key_reencrypts_every_value_and_the_old_key_can_then_go(app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    report, user = _personal_data(app, old)
    runner = app.test_cli_runner()
    app.extensions["settings"].personal_data_keys = f"{new},{old}"  # step 1: the new key first, the old readable
    db.session.expire_all()
    assert db.session.get(Report, report.id).contact_phone == RESIDENT_PHONE
    dry = runner.invoke(args=["privacy", "rotate-key", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert ("would re-encrypt: citizens.phone 1, notifications.recipient 1, reports.contact_phone 1, "
            "staff_users.totp_secret 1;") in dry.output
    assert _under(old, _raw("reports", "contact_phone")[0]) == RESIDENT_PHONE  # a dry run changes nothing

    done = runner.invoke(args=["privacy", "rotate-key"])
    assert done.exit_code == 0, done.output
    assert "re-encrypted: citizens.phone 1, notifications.recipient 1, reports.contact_phone 1" in done.output
    assert _under(new, _raw("reports", "contact_phone")[0]) == RESIDENT_PHONE
    assert _under(new, _raw("citizens", "phone")[0]) == OTHER_PHONE
    assert _under(new, _raw("notifications", "recipient")[0]) == RESIDENT_PHONE
    assert _under(new, _raw("staff_users", "totp_secret")[0]) == "JBSWY3DPEHPK3PXP"
    [entry] = entries(AuditAction.KEY_ROTATED)
    assert entry.detail["rewritten"]["reports.contact_phone"] == 1 and entry.detail["unreadable"] == 0

    app.extensions["settings"].personal_data_keys = new  # step 3: the old key removed
    db.session.expire_all()
    assert db.session.get(Report, report.id).contact_phone == RESIDENT_PHONE
    assert db.session.query(Citizen).filter_by(phone=OTHER_PHONE).one().wechat_openid == "o-rotate"
    assert db.session.get(StaffUser, user.id).totp_secret == "JBSWY3DPEHPK3PXP"
    again = runner.invoke(args=["privacy", "rotate-key"])
    assert "re-encrypted: nothing; already under the newest key: 4" in again.output, again.output
    assert len(entries(AuditAction.KEY_ROTATED)) == 1


def test_a_value_under_no_listed_key_is_named_and_left_as_it_is(app):
    lost, old, new = (Fernet.generate_key().decode() for _ in range(3))
    _personal_data(app, old)
    app.extensions["settings"].personal_data_keys = lost
    db.session.add(Citizen(phone=OTHER_PHONE.replace("1111", "2222")))
    db.session.commit()
    [citizen_id] = db.session.execute(text("SELECT id FROM citizens WHERE wechat_openid IS NULL")).scalars()
    app.extensions["settings"].personal_data_keys = f"{new},{old}"  # the `lost` key was not listed
    result = app.test_cli_runner().invoke(args=["privacy", "rotate-key"])
    assert result.exit_code == 1
    assert f"1 values are under none of PERSONAL_DATA_KEYS and were left as they are: citizens.phone#{citizen_id}" \
        in result.output
    assert "reports.contact_phone 1" in result.output  # the rest is rotated all the same
    assert _under(lost, _raw("citizens", "phone")[1]).endswith("2222")


def test_a_value_changed_during_the_rotation_is_not_overwritten(app, monkeypatch):
    from service_api.personal_data import rotation

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    report, _ = _personal_data(app, old)
    app.extensions["settings"].personal_data_keys = f"{new},{old}"
    real = rotation.reencrypt

    def meanwhile(stored: str) -> str:
        # The service saves a corrected number between the command's read and its write.
        if _raw("reports", "contact_phone")[0] == stored:
            db.session.execute(text("UPDATE reports SET contact_phone = :v WHERE id = :id"),
                               {"v": encrypt(OTHER_PHONE), "id": report.id})
        return real(stored)

    monkeypatch.setattr(rotation, "reencrypt", meanwhile)
    result = rotation.rotate()
    assert result.changed_meanwhile == 1 and "reports.contact_phone" not in result.rewritten
    app.extensions["settings"].personal_data_keys = new
    db.session.expire_all()
    assert db.session.get(Report, report.id).contact_phone == OTHER_PHONE
