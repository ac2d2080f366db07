"""The real app on a loopback port: in a background thread (``start_app``) or as ``chatkit-host serve``.

Also used by ``bench/`` (``free_port``, ``wait_until_responds``), so nothing here needs pytest.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from chatkit_host.server.app import create_app
from chatkit_host.server.settings import Settings
from chatkit_host.server.turn import Responder
from tests.support.services import ADMIN_KEY

CLI = [sys.executable, "-m", "chatkit_host"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # signals belong to the test runner's main thread
        pass


@contextmanager
def serve_in_thread(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 until the block exits; yields the base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = _ThreadServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server failed to start")
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start within 30 s")
        time.sleep(0.01)
    base_url = f"http://127.0.0.1:{port}"
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def wait_until_responds(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


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


#: The ``make_server`` fixture's type: ``make_server(backend="sqlite", responder=None, **settings)``.
MakeServer = Callable[..., RunningServer]


def start_app(stack: ExitStack, data_dir: Path, responder: Responder | None = None, **overrides: Any) -> RunningServer:
    """The real app on a loopback port until ``stack`` closes, optionally with a responder of the test's choosing.

    The one way tests start the app in-process: the ``make_server`` fixture and the browser harness call it.
    """
    settings = Settings(data_dir=data_dir, api_keys=(ADMIN_KEY,), **overrides)
    base_url = stack.enter_context(serve_in_thread(create_app(settings, responder=responder)))
    return RunningServer(base_url=base_url, settings=settings, admin_key=ADMIN_KEY, stack=stack)


@contextmanager
def serving(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, start_timeout: float = 90
) -> Iterator[tuple[str, Path]]:
    """``chatkit-host serve ARGS`` in a subprocess on a free port; yields its base URL and its log file.

    ``start_timeout`` is a ceiling, not a wait: a quiet machine answers in seconds, a loaded one (or several
    worker processes starting) can take tens of seconds.
    """
    port = free_port()
    log = cwd / "serve.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [*CLI, "serve", "--port", str(port), *args],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        try:
            wait_until_responds(f"http://127.0.0.1:{port}/healthz", timeout=start_timeout)
            yield f"http://127.0.0.1:{port}", log
        finally:
            process.terminate()
            process.wait(timeout=30)
