"""``chatkit-host serve`` and ``chatkit-host db upgrade`` as a user runs them: real processes, real ports."""

from __future__ import annotations

import re
import socket
import stat
import subprocess
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from chatkit_host import ChatKitHost, StreamError
from tests.support.servers import CLI, free_port, serving
from tests.support.services import fresh_postgres_url


def test_first_start_creates_a_private_key_and_prints_it_once(tmp_path: Path) -> None:
    with serving([], cwd=tmp_path) as (base_url, log):
        output = log.read_text()
        key_file = tmp_path / ".chatkit-host" / "admin_api_key"
        key = key_file.read_text().strip()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert f'OpenAI(base_url="{base_url}/v1", api_key="{key}")' in output
        # The shell line (F1): the test's port is not the default, so the base URL is part of it.
        assert f"    export CHATKIT_HOST_API_KEY={key} CHATKIT_HOST_BASE_URL={base_url}\n" in output
        response = httpx.get(f"{base_url}/v1/chatkit/threads", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200
        assert (tmp_path / ".chatkit-host" / "chatkit.db").exists()
    with serving([], cwd=tmp_path) as (base_url, log):
        output = log.read_text()
        assert key not in output  # shown once only
        # ...but how to get at it is: a shell line that reads the file.
        export = re.search(r"export CHATKIT_HOST_API_KEY=\$\(cat (\S+)\) CHATKIT_HOST_BASE_URL=(\S+)\)", output)
        assert export is not None, output
        assert Path(export.group(1)) == key_file.resolve() and export.group(2) == base_url


def test_start_is_quiet_and_names_the_model(tmp_path: Path) -> None:
    with serving([], cwd=tmp_path) as (_, log):
        output = log.read_text()
    assert "Model: offline stand-in (echoes; set OPENAI_API_KEY, or CHATKIT_HOST_OPENAI_BASE_URL" in output
    assert "alembic" not in output  # seven INFO lines per start before (F9)

    provider = {"CHATKIT_HOST_OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "CHATKIT_HOST_DEFAULT_MODEL": "llama3"}
    with serving(["--data-dir", str(tmp_path / "d2")], cwd=tmp_path, env=provider) as (_, log):
        output = log.read_text()
    assert "Model: llama3 via http://127.0.0.1:9/v1 (chat completions API; workflows may name others)" in output

    with serving(["--data-dir", str(tmp_path / "d3"), "--log-level", "debug"], cwd=tmp_path) as (_, log):
        assert "alembic" in log.read_text()  # still there when asked for


def test_a_taken_port_says_so_before_the_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [*CLI, "serve", "--port", str(port)], cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 1  # docs/cli.md
    assert result.stderr == f"error: port {port} is in use; pass --port\n"
    assert result.stdout == ""  # no banner, and no key was created for a server that never ran
    assert not (tmp_path / ".chatkit-host").exists()


def test_a_provider_outage_is_one_line_per_failure(tmp_path: Path) -> None:
    """F10: a failed provider call logs one line, not chained tracebacks; the traceback is there at debug."""
    down = {"CHATKIT_HOST_OPENAI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1", "CHATKIT_HOST_DEFAULT_MODEL": "m"}
    for level, tracebacks in (("info", False), ("debug", True)):
        data_dir = tmp_path / level
        with serving(["--data-dir", str(data_dir), "--log-level", level], cwd=tmp_path, env=down) as (url, log):
            key = (data_dir / "admin_api_key").read_text().strip()
            with ChatKitHost(base_url=url, api_key=key) as client:
                session = client.chatkit.sessions.create(user="u", workflow={"id": "default"})
                with pytest.raises(StreamError):
                    client.chatkit.conversation(session.client_secret).ask("hello?")
            wait_for(lambda: "workflow default v1 failed" in log.read_text())
            time.sleep(0.5)  # the title call fails after the reply; give its line time to land
            output = log.read_text()
        failures = [line for line in output.splitlines() if "failed" in line and line.startswith(("ERROR", "WARN"))]
        assert failures, output
        assert ("Traceback (most recent call last)" in output) is tracebacks, output
        if not tracebacks:
            [workflow] = [line for line in failures if "workflow default v1 failed" in line]
            assert workflow.startswith("ERROR ") and "APIConnectionError" in workflow
            assert workflow.endswith("(traceback at --log-level debug)")
            assert len(failures) <= 2  # the workflow, and at most the title call


def wait_for(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition never held"
        time.sleep(0.05)


def test_keys_from_the_environment(tmp_path: Path) -> None:
    env = {"CHATKIT_HOST_API_KEY": "first-key, second-key"}
    with serving(["--data-dir", str(tmp_path / "data")], cwd=tmp_path, env=env) as (base_url, _):
        for key, status in (("first-key", 200), ("second-key", 200), ("third-key", 401)):
            response = httpx.get(f"{base_url}/v1/chatkit/threads", headers={"Authorization": f"Bearer {key}"})
            assert response.status_code == status
    assert not (tmp_path / "data" / "admin_api_key").exists()


def test_db_upgrade_is_idempotent(tmp_path: Path, backend: str) -> None:
    with ExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'x.db'}" if backend == "sqlite" else fresh_postgres_url(stack)
        for _ in range(2):
            result = subprocess.run(
                [*CLI, "db", "upgrade", "--database", url], capture_output=True, text=True, cwd=tmp_path
            )
            assert result.returncode == 0, result.stderr
            assert re.search(r"Database at head", result.stdout)
