"""Client secrets and admin keys: minted with 256 bits of entropy, stored hashed, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets as _secrets
from collections.abc import Iterable

CLIENT_SECRET_PREFIX = "cksec_"
ADMIN_KEY_PREFIX = "ckadm_"


def new_client_secret() -> str:
    return CLIENT_SECRET_PREFIX + _secrets.token_urlsafe(32)


def new_admin_key() -> str:
    return ADMIN_KEY_PREFIX + _secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 is enough: the secrets carry 256 random bits, so there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


class AdminKeys:
    """The set of admin API keys, kept as digests and checked without early exit."""

    def __init__(self, keys: Iterable[str]) -> None:
        self._digests = [hashlib.sha256(k.encode()).digest() for k in keys]
        if not self._digests:
            raise ValueError("at least one admin API key is required")

    def check(self, presented: str) -> bool:
        digest = hashlib.sha256(presented.encode()).digest()
        matched = False
        for known in self._digests:
            matched |= hmac.compare_digest(digest, known)
        return matched
