"""Who uses the system: staff users and residents (citizens)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from service_api.models.base import Base, utcnow
from service_api.models.directory import Department
from service_api.models.encrypted import EncryptedText, track_hash

# The auditor (审计员) reads and exports the audit trail and nothing else; nobody else reads it (等保 三员分立).
AUDITOR = "auditor"
STAFF_ROLES = ("agent", "dispatcher", "handler", "reviewer", "admin", AUDITOR)
ROLE_TEXT = {"agent": "热线坐席", "dispatcher": "派遣员", "handler": "处置人员", "reviewer": "督办员",
             "admin": "管理员", AUDITOR: "审计员"}


class StaffUser(Base):
    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    # Set for accounts created with a generated or demo password in production: the first sign-in must change it.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    password_changed_at: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(EncryptedText())  # encrypted like phones, never searched
    totp_enabled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int | None]  # a code is accepted once: the last time step used
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship()


class Citizen(Base):
    """A resident known by phone and/or WeChat openid, with contact preferences."""

    __tablename__ = "citizens"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str | None] = mapped_column(EncryptedText("phone_hash"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), unique=True)  # one resident per number
    wechat_openid: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str | None] = mapped_column(String(64))
    preferred_channel: Mapped[str | None] = mapped_column(String(16))
    sms_opted_out: Mapped[bool] = mapped_column(default=False)
    sms_opted_out_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SmsLoginCode(Base):
    """A one-time code sent by SMS for resident sign-in. Only its hash is kept."""

    __tablename__ = "sms_login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(EncryptedText("phone_hash"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


track_hash(Citizen.phone, "phone_hash")
track_hash(SmsLoginCode.phone, "phone_hash")
