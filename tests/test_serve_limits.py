"""``serve`` bounds slow clients (header and body read timeouts, a connection limit) and logs no URL signatures."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx

from tests.support.servers import serving

FAST = {"CHATKIT_HOST_READ_TIMEOUT_SECONDS": "1"}


def _connect(base_url: str) -> socket.socket:
    url = urlparse(base_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    return sock


def _closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` (EOF, or a reset) within ``seconds``; any bytes it sends are read past."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if sock.recv(65536) == b"":
                return True
        except TimeoutError:
            return False
        except ConnectionResetError:
            return True
    return False


def test_slow_headers_and_stalled_bodies_are_dropped(tmp_path: Path) -> None:
    with serving(["--data-dir", str(tmp_path / "d")], cwd=tmp_path, env=FAST) as (base_url, _):
        slow = [_connect(base_url) for _ in range(80)]
        for sock in slow:
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # the headers never end
        silent = [_connect(base_url) for _ in range(10)]  # connect and send nothing at all
        started = time.monotonic()
        # Dripping header bytes does not keep a connection: the deadline is for the whole head.
        drip = _connect(base_url)
        drip.sendall(b"GET /healthz HTTP/1.1\r\n")
        for n in range(12):
            try:
                drip.sendall(f"X-{n}: y\r\n".encode())
            except OSError:
                break
            time.sleep(0.25)
        assert _closed_within(drip, 3)
        assert all(_closed_within(sock, 5) for sock in slow + silent)
        assert time.monotonic() - started < 8

        stalled = _connect(base_url)
        stalled.sendall(b"POST /chatkit HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n")
        stalled.sendall(b"Content-Length: 1000\r\n\r\n" + b'{"type": "threads.list"')
        assert _closed_within(stalled, 4)

        # A client that sends its request in time is served, body and all, on a kept-alive connection.
        with httpx.Client(base_url=base_url) as client:
            for _ in range(3):
                assert client.get("/healthz").status_code == 200
                assert client.post("/chatkit", json={"type": "threads.list", "params": {}}).status_code == 401
        for sock in [*slow, *silent, drip, stalled]:
            sock.close()


def test_connections_beyond_the_limit_get_503(tmp_path: Path) -> None:
    env = {"CHATKIT_HOST_MAX_CONNECTIONS": "4"}
    # The limit is per process: one worker, so the four held connections all count against it.
    args = ["--data-dir", str(tmp_path / "d"), "--workers", "1"]
    with serving(args, cwd=tmp_path, env=env) as (base_url, _):
        held = [_connect(base_url) for _ in range(4)]
        try:
            time.sleep(0.3)
            assert httpx.get(f"{base_url}/healthz").status_code == 503
        finally:
            for sock in held:
                sock.close()
        time.sleep(0.3)
        assert httpx.get(f"{base_url}/healthz").status_code == 200


def test_access_log_shows_no_url_signatures(tmp_path: Path) -> None:
    data = tmp_path / "d"
    with serving(["--data-dir", str(data)], cwd=tmp_path) as (base_url, log):
        key = (data / "admin_api_key").read_text().strip()
        body = {"user": "u", "workflow": {"id": "default"}, "chatkit_configuration": {"file_upload": {"enabled": True}}}
        session = httpx.post(f"{base_url}/v1/chatkit/sessions", json=body, headers={"Authorization": f"Bearer {key}"})
        secret = {"Authorization": f"Bearer {session.json()['client_secret']}"}
        params = {"name": "cat.png", "size": 3, "mime_type": "image/png"}
        created = httpx.post(
            f"{base_url}/chatkit", json={"type": "attachments.create", "params": params}, headers=secret
        )
        assert created.status_code == 200, created.text
        upload_url = created.json()["upload_descriptor"]["url"]
        assert httpx.put(upload_url, content=b"png").status_code == 200
        preview_url = created.json()["preview_url"]
        assert httpx.get(preview_url).content == b"png"
        signatures = [parse_qs(urlparse(u).query)["sig"][0] for u in (upload_url, preview_url)]
        deadline = time.monotonic() + 5
        while log.read_text().count("sig=[redacted]") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        text = log.read_text()
        assert text.count("sig=[redacted]") >= 2, text
        assert "/chatkit/attachments/" in text  # the requests are logged, only their signatures are not
        for sig in signatures:
            assert sig not in text
