"""Personal data encrypted at rest, with a keyed hash beside it for the lookups that need equality.

`EncryptedText` columns hold Fernet tokens (AES-128-CBC + HMAC-SHA256) under PERSONAL_DATA_KEYS, a comma list
whose first key encrypts and every key decrypts (MultiFernet): a new key is put first, `flask privacy
rotate-key` re-encrypts every row under it, then the old key is dropped. Fernet is randomised (the same phone
encrypts differently each time), so equality cannot be asked of the ciphertext: a column named with a hash
column keeps HMAC-SHA256 of the stored (E.164) number under PERSONAL_DATA_HASH_KEY beside it (set
whenever the attribute is set, `track_hash`), and its comparator turns `col == phone` and `col.in_(phones)`
into the same test on the hashes, so queries read as before and use the hash column's index. Without the
hash key the hashes cannot be brute-forced over the small space of phone numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import String, TypeDecorator, event
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement

PREFIX = "enc:"  # a ciphertext, told from a value stored before encryption (migration 0015 encrypts those)
EQUALITY = {operators.eq: operators.eq, operators.ne: operators.ne, operators.in_op: operators.in_op,
            operators.not_in_op: operators.not_in_op}


@lru_cache(maxsize=8)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def _keys() -> MultiFernet:
    return _fernet(current_app.extensions["settings"].personal_data_keys)


def encrypt(value: str | None) -> str | None:
    if value is None or value.startswith(PREFIX):
        return value
    return PREFIX + _keys().encrypt(value.encode()).decode()


def decrypt(value: str | None) -> str | None:
    """The plain text of a stored value (a value stored before encryption is returned as it is)."""
    if value is None or not value.startswith(PREFIX):
        return value
    try:
        return _keys().decrypt(value[len(PREFIX):].encode()).decode()
    except InvalidToken as exc:
        raise RuntimeError("personal data cannot be decrypted: is its key missing from PERSONAL_DATA_KEYS?") from exc


def reencrypt(value: str | None) -> str | None:
    """`value` under the newest key (key rotation); a plain value is encrypted."""
    if value is None:
        return None
    if not value.startswith(PREFIX):
        return encrypt(value)
    return PREFIX + _keys().rotate(value[len(PREFIX):].encode()).decode()


def keyed_hash(text: str) -> str:
    key = current_app.extensions["settings"].personal_data_hash_key.encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def phone_hash(value: str | None) -> str | None:
    """The lookup hash of a stored value: equal values, equal hashes, exactly as the plain column compared before.
    Phones are stored in E.164 (service_api/phones.py, migration 0012), and lookups ask for every form a number
    may have been stored in (services/phone_match.stored_forms), so canonical matching is unchanged."""
    if value is None:
        return None
    return keyed_hash("v1:" + value)


def phone_ref(channel: str, phone: str) -> str:
    """A report's channel_ref for a sender known by phone: the channel and a prefix of the phone's hash (the
    number itself is the report's encrypted contact phone)."""
    return f"{channel}:#{(phone_hash(phone) or '')[:24]}"


class EncryptedText(TypeDecorator[str]):
    impl = String(255)
    cache_ok = True

    def __init__(self, hash_column: str | None = None, length: int = 255) -> None:
        super().__init__(length)
        self.hash_column = hash_column

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        return encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        return decrypt(value)

    class comparator_factory(TypeDecorator.Comparator[str]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            if op not in EQUALITY:
                raise TypeError(f"{self.expr} is encrypted: only equality can be asked of it (through its hash)")
            hash_name = self.type.hash_column  # type: ignore[attr-defined]
            if hash_name is None:
                raise TypeError(f"{self.expr} is encrypted and has no hash column: it cannot be searched")
            hashed = self.expr.table.c[hash_name]  # type: ignore[attr-defined]
            value = other[0]
            if op in (operators.in_op, operators.not_in_op):
                return hashed.operate(op, sorted({phone_hash(v) for v in value if v}), **kwargs)
            if isinstance(value, ColumnElement) and isinstance(value.type, EncryptedText):
                return hashed.operate(op, value.table.c[value.type.hash_column], **kwargs)  # type: ignore[attr-defined]
            return hashed.operate(op, phone_hash(value), **kwargs)


def track_hash(attribute: Any, hash_attribute: str) -> None:
    """Keep `hash_attribute` equal to phone_hash of `attribute` whenever the attribute is set."""

    @event.listens_for(attribute, "set", propagate=True)
    def _set(target: Any, value: str | None, _old: Any, _initiator: Any) -> None:
        setattr(target, hash_attribute, phone_hash(value))
