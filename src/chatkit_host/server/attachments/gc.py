"""Garbage collection of attachments that were uploaded but never sent in a message.

Such an attachment lives ``attachment_ttl_seconds`` (``Settings``); after that a sweep removes its row, then its
bytes. Every replica sweeps on its own timer (``start`` from the app's lifespan) and ``chatkit-host db gc`` sweeps
on demand; concurrent sweeps do no harm (see ``Store.delete_unsent_attachments``).

A message must never name an attachment a sweep is deleting. Sending checks the age (:func:`sendable`) before it
links the attachment to its thread, and the sweep only takes rows older than the TTL, so between the two there
is :data:`SEND_MARGIN_SECONDS` for the link to be written: far more than the milliseconds it takes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatkit_host.server.attachments.storage import FileStorage
    from chatkit_host.server.context import AppContext
    from chatkit_host.server.store import AttachmentRecord, Store

logger = logging.getLogger(__name__)

#: Rows per statement: one batch is a short transaction even on a large backlog.
BATCH = 500
#: Batches per periodic run, so one tick stays short; the rest waits for the next tick.
MAX_BATCHES_PER_RUN = 20
#: How often each replica sweeps, at most (shorter for short TTLs).
MAX_INTERVAL_SECONDS = 3600.0
#: How long before its TTL an unsent attachment stops being accepted in a message (a tenth of short TTLs).
SEND_MARGIN_SECONDS = 300.0


def sendable(record: AttachmentRecord, now: float, ttl_seconds: float) -> bool:
    """Whether a message may still name ``record``: sent already, or young enough that no sweep can take it."""
    if record.thread_id is not None:
        return True
    margin = min(SEND_MARGIN_SECONDS, ttl_seconds / 10)
    return record.created_at > now - ttl_seconds + margin


async def sweep(
    store: Store, files: FileStorage, created_before: float, *, batch: int = BATCH, max_batches: int | None = None
) -> int:
    """Remove unsent attachments created before ``created_before``, rows then bytes; return how many.

    Rows go first: a failure in between leaves bytes nothing points at, never a row without its bytes.
    """
    removed = batches = 0
    while True:
        records = await store.delete_unsent_attachments(created_before, batch)
        for record in records:
            if record.storage_key:
                await files.delete(record.storage_key)
        removed += len(records)
        batches += 1
        if len(records) < batch or batches == max_batches:
            # Uploads as old as that which never finished belong to a process that died mid-upload.
            await files.delete_unfinished(created_before)
            return removed


def interval(ttl_seconds: float) -> float:
    """A quarter of the TTL, between one second and an hour: an unsent attachment outlives it by little."""
    return min(max(ttl_seconds / 4, 1.0), MAX_INTERVAL_SECONDS)


async def _sweep_periodically(context: AppContext) -> None:
    ttl = context.settings.attachment_ttl_seconds
    while True:
        await asyncio.sleep(interval(ttl))
        try:
            removed = await sweep(context.store, context.files, context.clock() - ttl, max_batches=MAX_BATCHES_PER_RUN)
        except Exception:  # a database hiccup must not stop later sweeps
            logger.warning("could not remove unsent attachments", exc_info=True)
            continue
        if removed:
            logger.info("removed %d attachments not sent within %d s", removed, ttl)


def start(context: AppContext) -> asyncio.Task[None]:
    """Sweep every :func:`interval` until :func:`stop`; the first sweep comes one interval after start."""
    return asyncio.create_task(_sweep_periodically(context), name="attachment-gc")


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
