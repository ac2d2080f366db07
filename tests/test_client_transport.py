"""The SDK's transport behaviour: each exception class, retries, headers.

Errors the real server produces are provoked on the real server. Statuses it never sends (403, 409, 422,
5xx), retries that must be counted on the server side, and broken connections come from tiny
purpose-built servers on loopback, because what is under test is the client's handling of them.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from chatkit_host import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryNotice,
    UnprocessableEntityError,
)
from tests.support.scripted import THREAD, ScriptedServer, envelope
from tests.support.sdk import SDK, sdk_for
from tests.support.servers import RunningServer, free_port, serve_in_thread


@pytest.fixture
def scripted() -> Iterator[tuple[ScriptedServer, str]]:
    app = ScriptedServer()
    with serve_in_thread(app) as base_url:
        yield app, base_url


def test_errors_from_the_real_server(
    sqlite_server: RunningServer, mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./.chatkit-host/admin_api_key from a local `serve` in the checkout
    sdk = sdk_for(sqlite_server, mode, max_retries=0)
    with pytest.raises(BadRequestError) as bad:
        sdk.call(lambda c: c.chatkit.sessions.create(user="", workflow={"id": "default"}))
    assert (bad.value.status_code, bad.value.type, bad.value.param) == (400, "invalid_request_error", "user")
    assert bad.value.code == "invalid_value"

    with pytest.raises(BadRequestError) as cursor:
        sdk.call(lambda c: c.chatkit.threads.list(after="not-a-thread-id"))
    assert cursor.value.param == "after"

    with pytest.raises(NotFoundError) as missing:
        sdk.call(lambda c: c.chatkit.sessions.create(user="u", workflow={"id": "no_such_workflow"}))
    assert (missing.value.status_code, missing.value.param) == (404, "workflow.id")

    with pytest.raises(AuthenticationError) as unauthenticated:
        SDK(mode, base_url=sqlite_server.base_url, api_key="wrong", max_retries=0).call(
            lambda c: c.chatkit.threads.list()
        )
    assert (unauthenticated.value.status_code, unauthenticated.value.code) == (401, "invalid_api_key")
    assert "Incorrect API key" in unauthenticated.value.message

    with pytest.raises(AuthenticationError) as no_key:
        SDK(mode, base_url=sqlite_server.base_url, max_retries=0).call(lambda c: c.chatkit.threads.list())
    assert no_key.value.code == "missing_api_key"


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, UnprocessableEntityError),
        (429, RateLimitError),
        (500, InternalServerError),
        (503, InternalServerError),
        (418, APIStatusError),
    ],
)
def test_each_status_has_its_class(
    scripted: tuple[ScriptedServer, str], mode: str, status: int, error_class: type[APIStatusError]
) -> None:
    app, base_url = scripted
    app.script("/v1/chatkit/threads/cthr_1", (status, {}, envelope("nope", "some_type", "thread_id", "some_code")))
    with pytest.raises(error_class) as caught:
        SDK(mode, base_url=base_url, api_key="k", max_retries=0).call(lambda c: c.chatkit.threads.retrieve("cthr_1"))
    error = caught.value
    assert type(error) is error_class
    assert (error.status_code, error.message, error.type, error.param, error.code) == (
        status,
        "nope",
        "some_type",
        "thread_id",
        "some_code",
    )
    assert error.body == envelope("nope", "some_type", "thread_id", "some_code")
    assert isinstance(error, APIError)


def test_error_without_an_envelope(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    app.script("/v1/chatkit/threads/cthr_1", (502, {}, "bad gateway"))
    with pytest.raises(InternalServerError) as caught:
        SDK(mode, base_url=base_url, max_retries=0).call(lambda c: c.chatkit.threads.retrieve("cthr_1"))
    assert caught.value.message == "Error code: 502 - bad gateway"
    assert caught.value.type is None


def test_unexpected_success_body(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    app.script("/v1/chatkit/threads/cthr_1", (200, {}, {"id": "cthr_1"}))
    with pytest.raises(APIResponseValidationError) as caught:
        SDK(mode, base_url=base_url, max_retries=0).call(lambda c: c.chatkit.threads.retrieve("cthr_1"))
    assert caught.value.body == {"id": "cthr_1"}


def test_connection_refused(mode: str) -> None:
    port = free_port()  # nothing listens on it once the probe socket is closed
    with pytest.raises(APIConnectionError) as caught:
        SDK(mode, base_url=f"http://127.0.0.1:{port}", max_retries=0).call(lambda c: c.chatkit.threads.list())
    assert type(caught.value) is APIConnectionError


def test_timeout(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    app.delay = 1.0
    app.script("/v1/chatkit/threads/cthr_1", (200, {}, THREAD))
    with pytest.raises(APITimeoutError):
        SDK(mode, base_url=base_url, timeout=0.2, max_retries=1).call(lambda c: c.chatkit.threads.retrieve("cthr_1"))
    assert app.count("/v1/chatkit/threads/cthr_1") == 2


def test_retry_on_429_honours_retry_after(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    path = "/v1/chatkit/threads/cthr_1"
    app.script(path, (429, {"Retry-After": "1"}, envelope("slow down", "rate_limit_exceeded")), (200, {}, THREAD))
    started = time.monotonic()
    thread = SDK(mode, base_url=base_url, max_retries=2).call(lambda c: c.chatkit.threads.retrieve("cthr_1"))
    elapsed = time.monotonic() - started
    assert thread.id == "cthr_1"
    assert app.count(path) == 2
    # Without the header the first backoff would be at most 0.5 s.
    assert elapsed >= 0.95


def test_on_retry_is_told_before_each_wait(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    path = "/v1/chatkit/threads/cthr_1"
    app.script(
        path,
        (429, {"Retry-After": "1"}, envelope("slow down", "rate_limit_exceeded")),
        (503, {"retry-after-ms": "20"}, envelope("busy")),
        (200, {}, THREAD),
    )
    notices: list[RetryNotice] = []
    started = time.monotonic()
    sdk = SDK(mode, base_url=base_url, max_retries=2, on_retry=notices.append)
    assert sdk.call(lambda c: c.chatkit.threads.retrieve("cthr_1")).id == "cthr_1"
    assert [(n.attempt, n.delay, n.status_code) for n in notices] == [(1, 1.0, 429), (2, 0.02, 503)]
    assert notices[0].request.url.path == path
    assert time.monotonic() - started >= 1.0  # told before the wait, and the wait still happens

    notices.clear()
    with pytest.raises(APIConnectionError):
        SDK(mode, base_url=f"http://127.0.0.1:{free_port()}", max_retries=1, on_retry=notices.append).call(
            lambda c: c.chatkit.threads.retrieve("cthr_1")
        )
    assert [(n.attempt, n.status_code) for n in notices] == [(1, None)]


def test_retry_on_5xx_then_give_up(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    app.script(
        "/v1/chatkit/threads/cthr_1", (503, {}, envelope("busy")), (500, {}, envelope("oops")), (200, {}, THREAD)
    )
    assert (
        SDK(mode, base_url=base_url, max_retries=2).call(lambda c: c.chatkit.threads.retrieve("cthr_1")).id == "cthr_1"
    )
    assert app.count("/v1/chatkit/threads/cthr_1") == 3

    app.script("/v1/chatkit/threads/cthr_2", (429, {"retry-after-ms": "10"}, envelope("limit", "rate_limit_exceeded")))
    with pytest.raises(RateLimitError):
        SDK(mode, base_url=base_url, max_retries=1).call(lambda c: c.chatkit.threads.retrieve("cthr_2"))
    assert app.count("/v1/chatkit/threads/cthr_2") == 2


def test_client_errors_are_not_retried(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    app.script("/v1/chatkit/threads/cthr_1", (404, {}, envelope("gone")))
    with pytest.raises(NotFoundError):
        SDK(mode, base_url=base_url, max_retries=3).call(lambda c: c.chatkit.threads.retrieve("cthr_1"))
    assert app.count("/v1/chatkit/threads/cthr_1") == 1


@contextmanager
def drops_first_connection() -> Iterator[tuple[str, list[int]]]:
    """A raw TCP server that closes the first connection unanswered, then answers with a thread."""
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    connections: list[int] = []
    body = orjson.dumps(THREAD)
    answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n"
    answer += b"content-length: %d\r\n\r\n%s" % (len(body), body)

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                connections.append(1)
                conn.recv(65536)
                if len(connections) > 1:
                    conn.sendall(answer)

    worker = threading.Thread(target=serve, daemon=True)
    worker.start()
    try:
        yield f"http://127.0.0.1:{port}", connections
    finally:
        listener.close()
        worker.join(timeout=5)


def test_retry_on_a_dropped_connection(mode: str) -> None:
    with drops_first_connection() as (base_url, connections):
        thread = SDK(mode, base_url=base_url, max_retries=2).call(lambda c: c.chatkit.threads.retrieve("cthr_1"))
    assert thread.id == "cthr_1"
    assert len(connections) == 2


def test_headers(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    app.script("/v1/chatkit/threads/cthr_1", (200, {}, THREAD))
    SDK(mode, base_url=base_url, api_key="sk-test", default_headers={"X-Extra": "1"}).call(
        lambda c: c.chatkit.threads.retrieve("cthr_1")
    )
    [(_, headers)] = app.requests
    assert headers["openai-beta"] == "chatkit_beta=v1"
    assert headers["authorization"] == "Bearer sk-test"
    assert headers["x-extra"] == "1"
    assert headers["user-agent"].startswith("chatkit-host-python/")


def test_ids_stay_in_their_path_segment(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    with pytest.raises(NotFoundError):
        SDK(mode, base_url=base_url, max_retries=0).call(lambda c: c.chatkit.threads.delete("../sessions"))
    assert app.raw_paths == [b"/v1/chatkit/threads/..%2Fsessions"]


def test_transport_parameter(mode: str) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=THREAD)

    transport: Any = httpx.MockTransport(handler)
    SDK(mode, base_url="http://chatkit.invalid", transport=transport).call(
        lambda c: c.chatkit.threads.retrieve("cthr_1")
    )
    assert [str(r.url) for r in seen] == ["http://chatkit.invalid/v1/chatkit/threads/cthr_1"]


def test_invalid_options() -> None:
    from chatkit_host import ChatKitHost

    with pytest.raises(ValueError, match="max_retries"):
        ChatKitHost(max_retries=-1)


def test_retry_after_forms() -> None:
    from email.utils import formatdate

    from chatkit_host.client._base import retry_after

    def answer(**headers: str) -> httpx.Response:
        return httpx.Response(429, headers=headers)

    assert retry_after(answer(**{"retry-after": "3"})) == 3.0
    assert retry_after(answer(**{"retry-after-ms": "250", "retry-after": "3"})) == 0.25
    in_ten_seconds = retry_after(answer(**{"retry-after": formatdate(time.time() + 10, usegmt=True)}))
    assert in_ten_seconds is not None and 8 < in_ten_seconds <= 10
    assert retry_after(answer(**{"retry-after": "soon"})) is None
    assert retry_after(answer()) is None


def test_with_options_shares_the_connection_pool(scripted: tuple[ScriptedServer, str], mode: str) -> None:
    app, base_url = scripted
    path = "/v1/chatkit/threads/cthr_1"
    app.script(path, (503, {}, envelope("busy")), (200, {}, THREAD))

    def run(client: Any) -> Any:
        strict = client.with_options(max_retries=0, default_headers={"X-Call": "strict"})
        assert strict._http is client._http
        return strict.chatkit.threads.retrieve("cthr_1")

    with pytest.raises(InternalServerError):
        SDK(mode, base_url=base_url, api_key="k", max_retries=3).call(run)
    assert app.count(path) == 1  # the copy did not retry, though the original would have
    [(_, headers)] = app.requests
    assert (headers["x-call"], headers["authorization"]) == ("strict", "Bearer k")
    # The original client kept its own settings, and closing the copy did not close the shared pool.

    def close_a_copy_then_call(client: Any) -> Any:
        client.with_options(timeout=5).close()
        return client.chatkit.threads.retrieve("cthr_1")

    async def close_a_copy_then_call_async(client: Any) -> Any:
        await client.with_options(timeout=5).close()
        return await client.chatkit.threads.retrieve("cthr_1")

    body = close_a_copy_then_call if mode == "sync" else close_a_copy_then_call_async
    assert SDK(mode, base_url=base_url, max_retries=3).call(body).id == "cthr_1"


def test_http_client_parameter(scripted: tuple[ScriptedServer, str]) -> None:
    from chatkit_host import ChatKitHost

    app, base_url = scripted
    app.script("/v1/chatkit/threads/cthr_1", (200, {}, THREAD))
    with httpx.Client(headers={"X-Proxy-Auth": "p"}) as mine:
        with ChatKitHost(base_url=base_url + "/v1", api_key="k", http_client=mine) as client:
            assert client.chatkit.threads.retrieve("cthr_1").id == "cthr_1"
        assert not mine.is_closed  # the caller's client stays open
    [(path, headers)] = app.requests
    assert path == "/v1/chatkit/threads/cthr_1"
    assert headers["x-proxy-auth"] == "p" and headers["openai-beta"] == "chatkit_beta=v1"
    with pytest.raises(ValueError, match="not both"):
        ChatKitHost(http_client=mine, transport=httpx.MockTransport(lambda r: httpx.Response(200)))
