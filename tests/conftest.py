"""Fixtures are factories: ``make_server(**settings)`` starts the real app on loopback.

Databases: every server gets its own SQLite file, or (``db_url`` parametrised with ``postgres``) its own
fresh PostgreSQL database on the server at ``CHATKIT_HOST_TEST_POSTGRES``. Tests that need PostgreSQL or
Redis skip with a reason when those are absent, and fail instead when ``CI=true``.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from chatkit_host.server.app import create_app
from chatkit_host.server.settings import Settings
from tests.servers import serve_in_thread

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


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CHATKIT_HOST_") and name not in (
            "CHATKIT_HOST_TEST_POSTGRES",
            "CHATKIT_HOST_TEST_REDIS",
        ):
            monkeypatch.delenv(name)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


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


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both databases."""
    return str(request.param)


@dataclass
class RunningServer:
    """A started server; the clients it hands out are closed when the test ends."""

    base_url: str
    settings: Settings
    admin_key: str
    stack: ExitStack

    def client(self, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, **kwargs)
        self.stack.callback(client.close)
        return client

    def admin(self) -> httpx.Client:
        return self.client(headers={"Authorization": f"Bearer {self.admin_key}"})

    def openai(self, **kwargs: Any) -> Any:
        from openai import OpenAI

        client = OpenAI(base_url=self.base_url + "/v1", api_key=self.admin_key, max_retries=0, **kwargs)
        self.stack.callback(client.close)
        return client


MakeServer = Callable[..., RunningServer]


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[MakeServer]:
    """``make_server(backend="sqlite", **settings)`` starts the real app on a loopback port."""
    with ExitStack() as stack:
        counter = 0

        def factory(backend: str = "sqlite", **overrides: Any) -> RunningServer:
            nonlocal counter
            counter += 1
            data_dir = overrides.pop("data_dir", None) or tmp_path / f"server{counter}"
            database_url = overrides.pop("database_url", None)
            if database_url is None and backend == "postgres":
                database_url = fresh_postgres_url(stack)
            settings = Settings(data_dir=data_dir, database_url=database_url, api_keys=(ADMIN_KEY,), **overrides)
            base_url = stack.enter_context(serve_in_thread(create_app(settings)))
            return RunningServer(base_url=base_url, settings=settings, admin_key=ADMIN_KEY, stack=stack)

        yield factory


@pytest.fixture
def server(make_server: MakeServer, backend: str) -> RunningServer:
    """The app on SQLite and on PostgreSQL."""
    return make_server(backend=backend)


@pytest.fixture
def sqlite_server(make_server: MakeServer) -> RunningServer:
    return make_server()
