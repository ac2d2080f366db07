"""``chatkit-host serve`` and ``chatkit-host db upgrade`` as a user runs them: real processes, real ports."""

from __future__ import annotations

import re
import stat
import subprocess
from contextlib import ExitStack
from pathlib import Path

import httpx

from tests.support.servers import CLI, serving
from tests.support.services import fresh_postgres_url


def test_first_start_creates_a_private_key_and_prints_it_once(tmp_path: Path) -> None:
    with serving([], cwd=tmp_path) as (base_url, log):
        output = log.read_text()
        key_file = tmp_path / ".chatkit-host" / "admin_api_key"
        key = key_file.read_text().strip()
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert f'OpenAI(base_url="{base_url}/v1", api_key="{key}")' in output
        response = httpx.get(f"{base_url}/v1/chatkit/threads", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 200
        assert (tmp_path / ".chatkit-host" / "chatkit.db").exists()
    with serving([], cwd=tmp_path) as (_, log):
        assert key not in log.read_text()  # shown once only


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
