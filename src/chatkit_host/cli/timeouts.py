"""Slow clients cannot hold ``serve``'s connections: read timeouts for headers and bodies, on uvicorn's protocol.

uvicorn bounds only the idle time between two requests of a kept-alive connection (``timeout_keep_alive``). A
client that opens connections and then sends its headers, or its body, a byte at a time holds each connection
(and its request task) for as long as it likes: 80 such connections were all still open after 25 s. Here a
connection is dropped when its headers have not all arrived ``read_timeout`` seconds after the connection opened
(or after the next request began), or when a body it is sending stalls for that long. A stall on the server's
side does not count: while the app is not reading (uvicorn paused the socket), the timer is re-armed instead.

Loaded only by ``chatkit-host serve`` (uvicorn imports :class:`TimedHttpToolsProtocol` in every worker).
"""

from __future__ import annotations

import asyncio
import os

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

#: The environment variable through which ``serve`` hands the timeout to worker processes' protocols.
READ_TIMEOUT_VARIABLE = "CHATKIT_HOST_SERVE_READ_TIMEOUT"
#: Largest request head (request line and headers) accepted, in bytes, for uvicorn's h11 implementation;
#: llhttp (httptools) has its own limit (80 KiB).
MAX_HEAD_BYTES = 64 * 1024


class TimedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request's headers and for each piece of its body."""

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, object],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.read_timeout = float(os.environ.get(READ_TIMEOUT_VARIABLE, "30"))
        self._read_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._read_timer = self.loop.call_later(self.read_timeout, self._read_timed_out)

    def _disarm(self) -> None:
        if self._read_timer is not None:
            self._read_timer.cancel()
            self._read_timer = None

    def _read_timed_out(self) -> None:
        self._read_timer = None
        if self.transport.is_closing():
            return
        if self.flow.read_paused:  # the app is not reading yet: the wait is ours, not the client's
            self._arm()
            return
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        # A body may follow: its first piece is due within the timeout too (on_message_complete disarms).
        self._arm()

    def on_body(self, body: bytes) -> None:
        super().on_body(body)
        self._arm()

    def on_message_complete(self) -> None:
        self._disarm()
        super().on_message_complete()
