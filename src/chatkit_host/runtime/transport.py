"""The ASGI side of a runtime stream: send frames, notice a client that goes away, cancel the turn.

Starlette's ``StreamingResponse`` only notices a disconnect on some ASGI servers; this response always
listens for ``http.disconnect`` next to the sending task and cancels that task with a plain
``asyncio`` cancellation, which the stream turns into "save the partial answer, then re-raise".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from chatkit_host.runtime.core import StreamingResult

logger = logging.getLogger(__name__)

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


class EventStreamResponse(StreamingResponse):
    def __init__(self, result: StreamingResult) -> None:
        super().__init__(result, media_type="text/event-stream", headers=HEADERS)
        self.result = result
        self._disconnected = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        pump = asyncio.create_task(self._pump(send))
        listen = asyncio.create_task(self._listen(receive))
        try:
            await asyncio.wait({pump, listen}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not pump.done():
                pump.cancel()
            listen.cancel()
            failure, _ = await asyncio.gather(pump, listen, return_exceptions=True)
        if isinstance(failure, BaseException) and not isinstance(failure, asyncio.CancelledError | OSError):
            logger.error("runtime stream failed", exc_info=failure)

    async def _listen(self, receive: Receive) -> None:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self._disconnected = True
                return

    async def _pump(self, send: Send) -> None:
        stream = self.result.stream
        frames = stream.frames()
        try:
            async for chunk in frames:
                try:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                except asyncio.CancelledError:
                    # The session watcher may cancel us mid-send; the stream still owes the client its
                    # closing error event, so carry on. A disconnect cancellation is final.
                    task = asyncio.current_task()
                    if stream.watch.tripped and not self._disconnected and task is not None:
                        task.uncancel()
                        continue
                    raise
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            with contextlib.suppress(Exception):
                await frames.aclose()
