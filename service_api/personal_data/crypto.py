"""Encryption of personal data at rest and the keyed phone hash (defined with the models that use them)."""

from service_api.models.encrypted import decrypt, encrypt, keyed_hash, phone_hash, reencrypt

__all__ = ["decrypt", "encrypt", "keyed_hash", "phone_hash", "reencrypt"]
