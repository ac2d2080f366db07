"""Client secrets and admin keys: minted with 256 bits of entropy, stored hashed, compared in constant time.

Admin keys come from the environment, or from a key created once in the data directory (:func:`load_admin_keys`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets as _secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

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


KEY_FILE_NAME = "admin_api_key"


@dataclass(frozen=True)
class LoadedKeys:
    keys: tuple[str, ...]
    #: Set when this call created the key file, so the caller can show the key once.
    created_key: str | None = None
    key_file: Path | None = None


def load_admin_keys(configured: tuple[str, ...], data_dir: Path) -> LoadedKeys:
    if configured:
        return LoadedKeys(configured)
    key_file = data_dir / KEY_FILE_NAME
    if key_file.exists():
        return LoadedKeys((key_file.read_text().strip(),), key_file=key_file)
    data_dir.mkdir(parents=True, exist_ok=True)
    key = new_admin_key()
    # Create with 0600 from the start rather than chmod afterwards, so the key is never world-readable.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return LoadedKeys((key,), created_key=key, key_file=key_file)
