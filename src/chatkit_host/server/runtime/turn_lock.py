"""One turn at a time per thread, across replicas: the workflow's ``concurrent_messages`` policy, enforced.

A streamed turn takes a ticket (``store/turns.py``) before its first write and gives it back when it ends.
``enqueue`` (the default): a message sent while the thread is answering waits for the running turn, then
runs, in arrival order, so the thread reads ``U A U A`` and each turn sees the answers before it.
``reject``: it is answered at once with an in-band error and nothing is saved.

The ticket's heartbeat is what tells a live turn from one whose process died: while it runs a turn beats
every quarter of ``Settings.turn_lease_seconds``; a ticket that missed its lease is cleared by the next claim,
which also writes :data:`CRASHED_NOTE` into the thread when that turn had started. So after kill -9 the
thread keeps the partial answer saved while it streamed (``stream.py``) and the next turn's history says it
was cut off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import datetime

from chatkit.types import SDKHiddenContextItem

from chatkit_host.server import ids
from chatkit_host.server.errors import HTTPError
from chatkit_host.server.runtime.convert import item_record
from chatkit_host.server.runtime.request import RuntimeRequest
from chatkit_host.server.store import turns
from chatkit_host.server.store.records import ItemRecord
from chatkit_host.server.workflows.definition import DEFAULT_CONCURRENT_MESSAGES

logger = logging.getLogger(__name__)

TICKET = "cturn"
CRASHED_NOTE = (
    "The server stopped while the assistant was answering (a crash or restart); "
    "the assistant's answer above, if any, is incomplete."
)
BUSY_MESSAGE = (
    "This thread is still answering an earlier message, and this workflow takes one message at a time: "
    "wait for the answer, then send your message again."
)
WAITED_TOO_LONG = "This thread was busy answering earlier messages for too long; please send your message again."
#: How long a queued message waits for the turns before it (then it gives up with an in-band error).
ENQUEUE_MAX_WAIT = 300.0
#: Polling while queued: from the first value, doubling up to the second (a claim is one small transaction).
POLL_FIRST, POLL_MAX = 0.05, 0.5


async def policy_of(req: RuntimeRequest) -> str:
    """The session workflow's ``concurrent_messages``; the default when the workflow cannot be loaded (the
    responder reports that)."""
    session = req.session
    try:
        _, compiled = await req.context.registry.load(session.workflow_id, session.workflow_version)
    except HTTPError:
        return DEFAULT_CONCURRENT_MESSAGES
    return compiled.concurrent_messages


class TurnLock:
    """The ticket of one streamed turn in ``thread_id``."""

    def __init__(self, req: RuntimeRequest, thread_id: str, policy: str) -> None:
        self.req = req
        self.thread_id = thread_id
        self.policy = policy
        self.ticket = ids.new_id(TICKET)
        self.lease = req.context.settings.turn_lease_seconds
        #: Whether the turn waited for another one (its user message is then re-stamped to sort after it).
        self.waited = False
        self._beating: asyncio.Task[None] | None = None
        self._taken = False

    def _note(self) -> ItemRecord:
        item = SDKHiddenContextItem(
            id=ids.new_id(ids.ITEM), thread_id=self.thread_id, created_at=datetime.now(), content=CRASHED_NOTE
        )
        return item_record(item)

    async def acquire(self) -> str | None:
        """Wait for the thread; None once this turn may run, or the in-band message that refuses it."""
        db = self.req.context.store.db
        exclusive = self.policy == "reject"
        deadline = time.monotonic() + ENQUEUE_MAX_WAIT
        pause = POLL_FIRST
        while True:
            outcome = await turns.claim(
                db,
                self.thread_id,
                self.ticket,
                now=time.time(),
                lease=self.lease,
                exclusive=exclusive,
                note=self._note,
            )
            if outcome == "busy":
                return BUSY_MESSAGE
            self._taken = True
            if outcome == "granted":
                self._beating = asyncio.get_running_loop().create_task(self._beat())
                return None
            self.waited = True
            if time.monotonic() > deadline:
                return WAITED_TOO_LONG
            await asyncio.sleep(pause)
            pause = min(pause * 2, POLL_MAX)

    async def _beat(self) -> None:
        db = self.req.context.store.db
        while True:
            await asyncio.sleep(self.lease / 4)
            try:
                await turns.heartbeat(db, self.ticket, time.time())
            except Exception:  # a database blip: the next beat tries again, the lease allows three misses
                logger.warning("turn heartbeat failed in thread %s", self.thread_id, exc_info=True)

    async def release(self) -> None:
        if self._beating is not None:
            self._beating.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._beating
            self._beating = None
        if self._taken:
            self._taken = False
            try:
                await turns.release(self.req.context.store.db, self.ticket)
            except Exception:  # the ticket then expires with its lease, and the next claim clears it
                logger.warning("could not release the turn of thread %s", self.thread_id, exc_info=True)
