"""Fixtures only; the helpers behind them are in ``tests/support/`` (no test module imports this file).

Fixtures are factories: ``make_server(backend="sqlite", responder=None, **settings)`` starts the real app on
loopback. Databases: every server gets its own SQLite file, or (``backend="postgres"``) its own fresh
PostgreSQL database on the server at ``CHATKIT_HOST_TEST_POSTGRES``. Tests that need PostgreSQL or Redis skip
with a reason when those are absent, and fail instead when ``CI=true`` (``tests/support/services.py``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from chatkit_host.server.turn import Responder
from tests.support.fake_openai import FakeOpenAI, start_fake_openai
from tests.support.runtime import slow_responder
from tests.support.servers import MakeServer, RunningServer, start_app
from tests.support.services import fresh_postgres_url


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CHATKIT_HOST_") and name not in (
            "CHATKIT_HOST_TEST_POSTGRES",
            "CHATKIT_HOST_TEST_REDIS",
            "CHATKIT_HOST_TEST_SHARED",
        ):
            monkeypatch.delenv(name)
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    """Parametrises a test over both databases."""
    return str(request.param)


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[MakeServer]:
    """``make_server(backend="sqlite", responder=None, **settings)`` starts the real app on a loopback port.

    Every server gets its own data directory; servers given the same ``database_url`` are replicas.
    """
    with ExitStack() as stack:
        counter = 0

        def factory(backend: str = "sqlite", responder: Responder | None = None, **overrides: Any) -> RunningServer:
            nonlocal counter
            counter += 1
            data_dir = overrides.pop("data_dir", None) or tmp_path / f"server{counter}"
            if overrides.get("database_url") is None and backend == "postgres":
                overrides["database_url"] = fresh_postgres_url(stack)
            return start_app(stack, data_dir, responder=responder, **overrides)

        yield factory


@pytest.fixture
def server(make_server: MakeServer, backend: str) -> RunningServer:
    """The app on SQLite and on PostgreSQL."""
    return make_server(backend=backend)


@pytest.fixture
def sqlite_server(make_server: MakeServer) -> RunningServer:
    return make_server()


@pytest.fixture
def word_delay() -> float:
    """Seconds per word of ``slow_server``'s answers; a module overrides this fixture to go slower."""
    return 0.02


@pytest.fixture
def slow_server(make_server: MakeServer, backend: str, word_delay: float) -> RunningServer:
    """The app on both databases with an offline model slow enough (100 repeats) to act while it answers."""
    return make_server(backend=backend, responder=slow_responder(word_delay))


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI-compatible server on loopback (``tests/support/fake_openai.py``)."""
    with ExitStack() as stack:
        yield start_fake_openai(stack)


@pytest.fixture(params=["sync", "async"])
def mode(request: pytest.FixtureRequest) -> str:
    """Which SDK client a test runs through (``tests/support/sdk.py``)."""
    return str(request.param)
