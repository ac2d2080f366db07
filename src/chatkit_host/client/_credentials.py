"""Where the SDK and the CLI find the admin API key: the argument, the environment, then a local data directory.

``chatkit-host serve`` writes a key to ``<data dir>/admin_api_key`` on first start (``.chatkit-host`` in the
directory it runs in, or ``CHATKIT_HOST_DATA_DIR``). A client run in the same directory finds that key by itself,
so the README's commands work right after ``serve`` with nothing exported. The data directory is only read for a
server on this machine (a loopback base URL): a local key has no business travelling to another host.

The SDK front must not import the server (tests/test_layout.py), so the two constants below duplicate
``chatkit_host.server.settings.DEFAULT_DATA_DIR`` and ``chatkit_host.server.credentials.KEY_FILE_NAME``;
tests/test_client_credentials.py keeps them in step.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

import httpx

API_KEY_ENV = "CHATKIT_HOST_API_KEY"
DATA_DIR_ENV = "CHATKIT_HOST_DATA_DIR"
#: ``serve``'s data directory when neither ``--data-dir`` nor ``CHATKIT_HOST_DATA_DIR`` names one.
DEFAULT_DATA_DIR = Path(".chatkit-host")
#: The file ``serve`` writes its generated admin key to, inside the data directory.
KEY_FILE_NAME = "admin_api_key"


@dataclass(frozen=True)
class FoundKey:
    """An API key and where it came from, so a 401 can say which key was refused."""

    key: str | None
    #: ``"argument"``, ``"environment"``, the key file's path, or ``None`` when no key was found.
    source: str | None


def key_file_path() -> Path:
    """The key file ``serve`` would write when started here with the same environment."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR) / KEY_FILE_NAME


def is_loopback_url(url: httpx.URL) -> bool:
    host = url.host
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def find_api_key(api_key: str | None, base_url: httpx.URL) -> FoundKey:
    """The key to send: ``api_key``, else ``CHATKIT_HOST_API_KEY``, else a local server's key file."""
    if api_key:
        return FoundKey(api_key, "argument")
    if from_env := os.environ.get(API_KEY_ENV):
        return FoundKey(from_env, "environment")
    if is_loopback_url(base_url):
        path = key_file_path()
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError:  # absent or unreadable: the server answers 401 and the CLI says where to look
            key = ""
        if key:
            return FoundKey(key, str(path))
    return FoundKey(None, None)
