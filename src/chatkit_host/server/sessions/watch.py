"""Ends streams whose session was cancelled (even on another replica) or expired while they ran.

Expiry needs no database read: ``expires_at`` is known when the watch starts and never changes, so a timer
on the event loop trips the watch at that moment. Cancellation does need one: the session row in the shared
database is the source of truth, so polling it works across processes without another channel. One poller
per process serves every stream in flight and reads each distinct session once per interval, so 100 streams
cost what one does. A tripped watch cancels the task that produces its stream; the stream sees ``tripped``
and turns the cancellation into an in-band ``error`` event instead of a dropped connection.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Literal

from chatkit_host.server.store import Store

logger = logging.getLogger(__name__)

#: How often streams in flight re-read their sessions.
CHECK_INTERVAL_SECONDS = 0.5


#: Why a watch tripped; the stream words its closing error event after it.
EndReason = Literal["cancelled", "expired"]


class Watch:
    """One stream's registration: the session it belongs to and the task to cancel."""

    def __init__(self, session_id: str, target: asyncio.Task[object] | None) -> None:
        self.session_id = session_id
        self.target = target
        self.reason: EndReason | None = None
        self.expiry: asyncio.TimerHandle | None = None

    @property
    def tripped(self) -> bool:
        return self.reason is not None

    def trip(self, reason: EndReason = "cancelled") -> None:
        # The first reason wins: a session that expired and was then cancelled ended by expiring.
        if self.reason is None:
            self.reason = reason
            if self.target is not None:
                self.target.cancel()


class SessionWatcher:
    def __init__(self, interval: float = CHECK_INTERVAL_SECONDS) -> None:
        self.interval = interval
        self._watches: set[Watch] = set()
        self._store: Store | None = None
        self._task: asyncio.Task[None] | None = None

    def watch(self, store: Store, session_id: str, expires_in: float | None = None) -> Watch:
        """Watch ``session_id`` on behalf of the current task until :meth:`release`.

        ``expires_in`` is the session's time left, in seconds; the watch trips as ``expired`` when it runs out.
        """
        watch = Watch(session_id, asyncio.current_task())
        if expires_in is not None:
            watch.expiry = asyncio.get_running_loop().call_later(max(expires_in, 0.0), watch.trip, "expired")
        self._watches.add(watch)
        self._store = store
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._poll())
        return watch

    def release(self, watch: Watch) -> None:
        if watch.expiry is not None:
            watch.expiry.cancel()
        self._watches.discard(watch)

    async def _poll(self) -> None:
        while self._watches:
            await asyncio.sleep(self.interval)
            store = self._store
            session_ids = {w.session_id for w in self._watches}
            if store is None or not session_ids:
                continue
            try:
                sessions = await asyncio.gather(*(store.get_session(s) for s in session_ids))
            except Exception:  # a database hiccup must not end the streams it watches
                logger.warning("could not re-read sessions of streams in flight", exc_info=True)
                continue
            ended = {
                s for s, record in zip(session_ids, sessions, strict=True) if record is None or record.cancelled_at
            }
            for watch in [w for w in self._watches if w.session_id in ended]:
                watch.trip()
