"""Where the admin API keys come from: the environment, or a key created once in the data directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from chatkit_host.secrets import new_admin_key

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
