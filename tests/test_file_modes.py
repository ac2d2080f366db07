"""What ``serve`` and ``db upgrade`` leave on disk is the service user's alone; ``db upgrade`` prints no password."""

from __future__ import annotations

import stat
import subprocess
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.support.servers import CLI, serving
from tests.support.services import fresh_postgres_url


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_serve_creates_a_private_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with serving(["--data-dir", str(data)], cwd=tmp_path) as (base_url, _):
        key = (data / "admin_api_key").read_text().strip()
        admin = {"Authorization": f"Bearer {key}"}
        body = {"user": "u", "workflow": {"id": "default"}, "chatkit_configuration": {"file_upload": {"enabled": True}}}
        session = httpx.post(f"{base_url}/v1/chatkit/sessions", json=body, headers=admin)
        assert session.status_code == 200, session.text
        secret = {"Authorization": f"Bearer {session.json()['client_secret']}"}
        upload = httpx.post(
            f"{base_url}/chatkit/upload", files={"file": ("a.txt", b"private", "text/plain")}, headers=secret
        )
        assert upload.status_code == 200, upload.text

        assert _mode(data) == 0o700
        created = [p for p in data.rglob("*")]
        stored = [p for p in created if p.is_file()]
        names = {p.name for p in stored}
        assert {"chatkit.db", "admin_api_key"} <= names and any(p.parent.parent.name == "files" for p in stored)
        for path in created:
            assert _mode(path) == (0o700 if path.is_dir() else 0o600), (path, oct(_mode(path)))


def test_an_existing_open_data_directory_is_closed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    with serving(["--data-dir", str(data)], cwd=tmp_path):
        assert _mode(data) == 0o700


@pytest.mark.postgres
def test_db_upgrade_hides_the_password(tmp_path: Path) -> None:
    with ExitStack() as stack:
        url = urlparse(fresh_postgres_url(stack))
        # Trust authentication ignores the password, so the command succeeds with one in the URL.
        with_password = url._replace(netloc=f"{url.username or 'postgres'}:hunter2-secret@{url.hostname}:{url.port}")
        result = subprocess.run(
            [*CLI, "db", "upgrade", "--database", with_password.geturl(), "--data-dir", str(tmp_path / "d")],
            capture_output=True,
            text=True,
            cwd=tmp_path,
        )
        assert result.returncode == 0, result.stderr
        assert "Database at head" in result.stdout and "***" in result.stdout
        assert "hunter2-secret" not in result.stdout + result.stderr
        assert _mode(tmp_path / "d") == 0o700
