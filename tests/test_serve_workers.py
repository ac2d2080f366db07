"""``chatkit-host serve --workers N``: several processes on one port that share what must be shared."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.support.servers import serving
from tests.support.services import fresh_postgres_url


def _statuses(base_url: str, secret: str, count: int) -> list[int]:
    body = {"type": "threads.list", "params": {}}
    headers = {"Authorization": f"Bearer {secret}"}

    def one(_: int) -> int:
        # A new connection per request, so the kernel spreads them over the workers' shared socket.
        with httpx.Client() as client:
            return client.post(f"{base_url}/chatkit", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _workers_seen(base_url: str, within: float = 120) -> set[int]:
    """The worker pids that answer ``/healthz`` (the second may still be starting when the first answers)."""
    seen: set[int] = set()
    deadline = time.monotonic() + within
    while len(seen) < 2 and time.monotonic() < deadline:
        with httpx.Client() as client:
            seen.add(client.get(f"{base_url}/healthz").json()["worker"])
        time.sleep(0.02)
    return seen


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_two_workers_serve_one_port_and_share_one_budget(tmp_path: Path, backend: str) -> None:
    args = ["--workers", "2", "--data-dir", str(tmp_path / "data")]
    with ExitStackDatabase(backend) as database:
        if database:
            args += ["--database", database]
        # Several processes start several interpreters: give a loaded machine time.
        with serving(args, cwd=tmp_path, start_timeout=180) as (base_url, log):
            assert "Serving with 2 worker processes." in log.read_text()
            assert len(_workers_seen(base_url)) == 2
            key = (tmp_path / "data" / "admin_api_key").read_text().strip()
            session = httpx.post(
                f"{base_url}/v1/chatkit/sessions",
                json={"user": "u", "workflow": {"id": "default"}, "rate_limits": {"max_requests_per_1_minute": 5}},
                headers={"Authorization": f"Bearer {key}"},
            ).json()
            statuses = _statuses(base_url, session["client_secret"], 20)
            # One budget for the two processes (each alone would admit five).
            assert sorted(statuses) == [200] * 5 + [429] * 15


class ExitStackDatabase:
    """A fresh PostgreSQL database for ``postgres`` (dropped afterwards); nothing for SQLite."""

    def __init__(self, backend: str) -> None:
        from contextlib import ExitStack

        self.backend = backend
        self.stack = ExitStack()

    def __enter__(self) -> str | None:
        return fresh_postgres_url(self.stack) if self.backend == "postgres" else None

    def __exit__(self, *exc: object) -> None:
        self.stack.close()
