"""Encryption of personal data at rest, and the keyed hash that finds a phone without decrypting anything.

Ciphertexts are Fernet tokens (AES-128-CBC + HMAC-SHA256) under PERSONAL_DATA_KEYS, a comma list whose first key
encrypts and every key decrypts (MultiFernet), so a new key is put first, `flask privacy rotate-key` re-encrypts
every row, and the old key is then dropped. The phone hash is HMAC-SHA256 under a separate key, of the
canonical (E.164) number: equal numbers give equal hashes, and without the key the hash cannot be
brute-forced over the small space of phone numbers.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

from service_api.phones import canonical_phone_or_none

PREFIX = "enc:"  # what a ciphertext column holds, so a row not yet migrated is told from an encrypted one


@lru_cache(maxsize=8)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(k.strip().encode()) for k in keys.split(",") if k.strip()])


def _keys() -> MultiFernet:
    return _fernet(current_app.extensions["settings"].personal_data_keys)


def encrypt(value: str | None) -> str | None:
    if value is None:
        return None
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
    """`value` under the newest key (key rotation); None and plain values are left alone."""
    if value is None or not value.startswith(PREFIX):
        return value
    return PREFIX + _keys().rotate(value[len(PREFIX):].encode()).decode()


def keyed_hash(text: str) -> str:
    key = current_app.extensions["settings"].personal_data_hash_key.encode()
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def phone_hash(phone: str | None) -> str | None:
    """The lookup hash of a phone: of its E.164 form when it parses, else of the digits as typed."""
    if phone is None or not phone.strip():
        return None
    canonical = canonical_phone_or_none(phone) or "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    return keyed_hash("phone:" + canonical)
