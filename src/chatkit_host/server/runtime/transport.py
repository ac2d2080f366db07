"""The ASGI side of a runtime stream: produce frames in one task, send them from another, watch the client.

Frames that are ready together leave in one write: an instant model produces hundreds of deltas without
waiting, and one ``send`` per delta costs a syscall each on the server and a read each on the client. The
producer stays at most ``MAX_BUFFERED_BYTES`` ahead of the socket, so a slow client still slows the model
down. A disconnect (``http.disconnect``) cancels the producer with a plain asyncio cancellation, which the
stream turns into "save the partial answer, then re-raise"; the session watcher cancels the same task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from chatkit_host.server.runtime.core import StreamingResult

logger = logging.getLogger(__name__)

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
#: How far the producer may run ahead of the socket.
MAX_BUFFERED_BYTES = 256 * 1024
#: Frames produced back to back before the producer lets the sender run (bounds the first write's delay).
FRAMES_PER_TURN = 32


class EventStreamResponse(StreamingResponse):
    def __init__(self, result: StreamingResult) -> None:
        super().__init__(result, media_type="text/event-stream", headers=HEADERS)
        self.result = result
        self._buffer: list[bytes] = []
        self._buffered = 0
        self._ready = asyncio.Event()
        self._drained = asyncio.Event()
        self._finished = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        producer = asyncio.create_task(self._produce())
        sender = asyncio.create_task(self._send(send))
        listener = asyncio.create_task(self._listen(receive))
        try:
            await asyncio.wait({sender, listener}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (producer, sender, listener):
                if not task.done():
                    task.cancel()
            outcome = await asyncio.gather(producer, sender, listener, return_exceptions=True)
        for failure in outcome[:2]:
            if isinstance(failure, BaseException) and not isinstance(failure, asyncio.CancelledError | OSError):
                logger.error("runtime stream failed", exc_info=failure)

    async def _listen(self, receive: Receive) -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    async def _produce(self) -> None:
        stream = self.result.stream
        frames = stream.frames()
        try:
            count = 0
            while True:
                try:
                    chunk = await anext(frames)
                except StopAsyncIteration:
                    break
                self._buffer.append(chunk)
                self._buffered += len(chunk)
                self._ready.set()
                count += 1
                try:
                    if self._buffered > MAX_BUFFERED_BYTES:
                        self._drained.clear()
                        await self._drained.wait()
                    elif count % FRAMES_PER_TURN == 0:
                        await asyncio.sleep(0)
                except asyncio.CancelledError:
                    # The session watcher cancels this task; the stream still owes the client its error event.
                    task = asyncio.current_task()
                    if stream.watch is None or not stream.watch.tripped or task is None:
                        raise
                    task.uncancel()
        finally:
            self._finished = True
            self._ready.set()
            with contextlib.suppress(Exception):
                await frames.aclose()

    async def _send(self, send: Send) -> None:
        while True:
            if self._buffer:
                body = b"".join(self._buffer)
                self._buffer.clear()
                self._buffered = 0
                self._drained.set()
                await send({"type": "http.response.body", "body": body, "more_body": True})
            elif self._finished:
                break
            else:
                await self._ready.wait()
                self._ready.clear()
        await send({"type": "http.response.body", "body": b"", "more_body": False})
