"""Where the SDK finds the admin key: the argument, CHATKIT_HOST_API_KEY, then a local server's data directory.

Real servers on loopback; the key file is written where ``serve`` would write it, and the working directory is
the test's own, as for a user who runs their script next to ``.chatkit-host``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from chatkit_host import AsyncChatKitHost, AuthenticationError, ChatKitHost
from chatkit_host.client import _credentials
from chatkit_host.server import credentials, settings
from tests.support.servers import RunningServer


def write_key(data_dir: Path, key: str) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "admin_api_key"
    path.write_text(key + "\n")  # serve writes a trailing newline
    return path


def test_the_sdk_front_and_the_server_agree_on_where_the_key_lives() -> None:
    assert _credentials.DEFAULT_DATA_DIR == settings.DEFAULT_DATA_DIR
    assert _credentials.KEY_FILE_NAME == credentials.KEY_FILE_NAME
    assert _credentials.DATA_DIR_ENV in settings.ENVIRONMENT
    assert _credentials.API_KEY_ENV in settings.ENVIRONMENT


def test_key_file_in_the_working_directory(
    sqlite_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_key(tmp_path / ".chatkit-host", sqlite_server.admin_key)
    with ChatKitHost(base_url=sqlite_server.base_url) as client:
        assert client.api_key == sqlite_server.admin_key
        assert client.api_key_source == str(Path(".chatkit-host") / "admin_api_key")
        assert client.chatkit.threads.list().data == []

    async def run() -> int:
        async with AsyncChatKitHost(base_url=sqlite_server.base_url) as client:
            return len((await client.chatkit.workflows.list()).data)

    assert asyncio.run(run()) >= 1


def test_data_dir_from_the_environment(
    sqlite_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write_key(tmp_path / "elsewhere", sqlite_server.admin_key)
    monkeypatch.setenv("CHATKIT_HOST_DATA_DIR", str(tmp_path / "elsewhere"))
    with ChatKitHost(base_url=sqlite_server.base_url) as client:
        assert client.api_key_source == str(path)
        assert client.chatkit.threads.list().data == []


def test_flag_then_environment_then_data_directory(
    sqlite_server: RunningServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_key(tmp_path / ".chatkit-host", sqlite_server.admin_key)
    monkeypatch.setenv("CHATKIT_HOST_API_KEY", "from-the-environment")
    with ChatKitHost(base_url=sqlite_server.base_url, max_retries=0) as client:
        assert (client.api_key, client.api_key_source) == ("from-the-environment", "environment")
        with pytest.raises(AuthenticationError) as refused:  # the environment wins over the file, even when wrong
            client.chatkit.threads.list()
        assert refused.value.code == "invalid_api_key"
    with ChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key) as client:
        assert client.api_key_source == "argument"
        assert client.chatkit.threads.list().data == []


def test_a_local_key_is_never_sent_to_another_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_key(tmp_path / ".chatkit-host", "ckadm_local")
    for url in ("http://127.0.0.1:8000", "http://localhost:8000", "http://[::1]:8000"):
        assert ChatKitHost(base_url=url).api_key == "ckadm_local", url
    for url in ("https://chat.example.com", "http://10.0.0.5:8000"):
        client = ChatKitHost(base_url=url)
        assert (client.api_key, client.api_key_source) == (None, None), url


def test_an_empty_or_missing_key_file_means_no_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert ChatKitHost().api_key is None
    write_key(tmp_path / ".chatkit-host", "")
    assert ChatKitHost().api_key is None
