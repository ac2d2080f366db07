"""The services tests run against: the admin key, PostgreSQL and Redis (skipped when absent, failed under CI)."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from contextlib import ExitStack
from urllib.parse import urlparse

import pytest

ADMIN_KEY = "ckadm_test_" + secrets.token_urlsafe(16)
POSTGRES_URL = os.environ.get("CHATKIT_HOST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CHATKIT_HOST_TEST_REDIS", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, url: str, default_port: int) -> None:
    if _reachable(url, default_port):
        return
    message = f"{name} is not reachable at {url}"
    if IN_CI:
        pytest.fail(f"{message}, and CI=true requires it")
    pytest.skip(message)


async def _create_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def _drop_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def fresh_postgres_url(stack: ExitStack) -> str:
    """A new empty PostgreSQL database, dropped when ``stack`` closes."""
    require_service("PostgreSQL", POSTGRES_URL, 5432)
    name = "chatkit_test_" + secrets.token_hex(6)
    asyncio.run(_create_database(name))
    stack.callback(lambda: asyncio.run(_drop_database(name)))
    return urlparse(POSTGRES_URL)._replace(path="/" + name).geturl()
