"""Ends a stream when its session is cancelled, even on another replica.

The session row in the shared database is the source of truth, so polling it works across processes
without any extra channel. The watcher cancels the task that drives the stream; the stream sees
``tripped`` and turns the cancellation into an in-band ``error`` event instead of a dropped connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from chatkit_host.store import Store

logger = logging.getLogger(__name__)

#: How often a stream in flight re-reads its session.
CHECK_INTERVAL_SECONDS = 0.5


class SessionWatch:
    def __init__(self, store: Store, session_id: str, interval: float = CHECK_INTERVAL_SECONDS) -> None:
        self.store = store
        self.session_id = session_id
        self.interval = interval
        self.tripped = False
        self._task: asyncio.Task[None] | None = None
        self._target: asyncio.Task[object] | None = None

    def start(self) -> None:
        self._target = asyncio.current_task()
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                session = await self.store.get_session(self.session_id)
            except Exception:  # a database hiccup must not kill the stream it watches
                logger.warning("could not re-read session %s", self.session_id, exc_info=True)
                continue
            if session is None or session.cancelled_at is not None:
                self.tripped = True
                if self._target is not None:
                    self._target.cancel()
                return

    async def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
