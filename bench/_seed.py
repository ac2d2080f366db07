"""Fill a benchmark database fast: bulk inserts through SQLAlchemy Core on the real (migrated) schema.

Threads get ids from ``chatkit_host.server.ids.new_id`` in creation order, are owned round-robin by
``USERS`` users, and one extra thread holds ``n_threads // 10`` items, so that lists filtered by user and
item pages have depth too.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chatkit.types import AssistantMessageContent, AssistantMessageItem
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import create_async_engine

from chatkit_host.server import ids
from chatkit_host.server.store import schema
from chatkit_host.server.store.migrate import upgrade
from chatkit_host.server.store.urls import async_url, is_sqlite

logger = logging.getLogger(__name__)

USERS = 10
_BATCH = 20_000
#: How deep "deep" is: the cursor sits this many rows before the end of the list.
DEEP_OFFSET_FROM_END = 50


@dataclass(frozen=True)
class Seeded:
    """Cursors the benchmark needs: each names a row ``DEEP_OFFSET_FROM_END`` rows from the list's end."""

    n_threads: int
    #: ``after`` for ``order=desc`` (the default): the page of (nearly) the oldest threads.
    deep_thread_cursor: str
    user: str
    deep_user_cursor: str
    items_thread: str
    n_items: int
    deep_item_cursor: str
    seconds: float


def _thread_row(thread_id: str, n: int, now: float) -> dict[str, Any]:
    return {
        "id": thread_id,
        "user": f"user-{n % USERS}",
        "session_id": None,
        "title": f"Thread number {n}",
        "status": "active",
        "status_reason": None,
        "created_at": now,
        "updated_at": now,
        "workflow_id": "default",
        "workflow_version": None,
        "metadata": None,
    }


def _item_data(item_id: str, thread_id: str, n: int) -> str:
    item = AssistantMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=datetime.now(),
        content=[AssistantMessageContent(text=f"answer number {n}")],
    )
    return item.model_dump_json(exclude_none=True)


async def seed(url: str, n_threads: int) -> Seeded:
    """Migrate an empty database at ``url`` and fill it; returns the cursors for deep pages."""
    started = time.perf_counter()
    await upgrade(url)
    engine = create_async_engine(async_url(url))
    user = "user-0"
    thread_ids: list[str] = []
    user_ids: list[str] = []
    try:
        now = time.time()
        batch: list[dict[str, Any]] = []
        async with engine.begin() as conn:
            for n in range(n_threads):
                thread_id = ids.new_id(ids.THREAD)
                if len(thread_ids) < DEEP_OFFSET_FROM_END + 1:
                    thread_ids.append(thread_id)
                row = _thread_row(thread_id, n, now)
                if row["user"] == user and len(user_ids) < DEEP_OFFSET_FROM_END + 1:
                    user_ids.append(thread_id)
                batch.append(row)
                if len(batch) == _BATCH:
                    await conn.execute(insert(schema.threads), batch)
                    batch = []
            items_thread = ids.new_id(ids.THREAD)
            batch.append(_thread_row(items_thread, n_threads, now) | {"user": "items-owner"})
            await conn.execute(insert(schema.threads), batch)
        n_items = max(n_threads // 10, DEEP_OFFSET_FROM_END + 1)
        item_ids: list[str] = []
        async with engine.begin() as conn:
            items: list[dict[str, Any]] = []
            for n in range(n_items):
                item_id = ids.new_id(ids.ITEM)
                if len(item_ids) < DEEP_OFFSET_FROM_END + 1:
                    item_ids.append(item_id)
                data = _item_data(item_id, items_thread, n)
                items.append(
                    {
                        "id": item_id,
                        "thread_id": items_thread,
                        "type": "assistant_message",
                        "created_at": now,
                        "data": data,
                    }
                )
                if len(items) == _BATCH:
                    await conn.execute(insert(schema.items), items)
                    items = []
            if items:
                await conn.execute(insert(schema.items), items)
        # PostgreSQL's autovacuum would get there on its own; do it now so plans reflect a settled table.
        if not is_sqlite(url):
            async with engine.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()
    seeded = Seeded(
        n_threads=n_threads,
        deep_thread_cursor=thread_ids[DEEP_OFFSET_FROM_END],
        user=user,
        deep_user_cursor=user_ids[DEEP_OFFSET_FROM_END],
        items_thread=items_thread,
        n_items=n_items,
        deep_item_cursor=item_ids[DEEP_OFFSET_FROM_END],
        seconds=time.perf_counter() - started,
    )
    logger.info("seeded %s threads and %s items in %.1fs", n_threads, n_items, seeded.seconds)
    return seeded
