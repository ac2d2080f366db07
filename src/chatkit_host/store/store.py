"""The store: every read and write of sessions, threads, items, attachments and feedback.

One implementation on SQLAlchemy Core serves SQLite and PostgreSQL; the URL picks the driver. Callers pass
plain records (``records.py``) and get plain records back.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from chatkit_host.store import schema
from chatkit_host.store.engine import Engines, create_engines
from chatkit_host.store.paging import finish, keyset
from chatkit_host.store.records import (
    AttachmentRecord,
    FeedbackRecord,
    ItemRecord,
    Order,
    Page,
    SessionRecord,
    ThreadRecord,
)


def _json_or_none(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _session(row: Row[Any]) -> SessionRecord:
    m = row._mapping
    return SessionRecord(
        id=m["id"],
        secret_hash=m["secret_hash"],
        user=m["user"],
        workflow_id=m["workflow_id"],
        workflow_version=m["workflow_version"],
        state_variables=orjson.loads(m["state_variables"]) if m["state_variables"] is not None else None,
        tracing_enabled=bool(m["tracing_enabled"]),
        created_at=m["created_at"],
        expires_at=m["expires_at"],
        cancelled_at=m["cancelled_at"],
        max_requests_per_1_minute=m["max_requests_per_1_minute"],
        titling_enabled=bool(m["titling_enabled"]),
        upload_enabled=bool(m["upload_enabled"]),
        max_file_size_mb=m["max_file_size_mb"],
        max_files=m["max_files"],
        history_enabled=bool(m["history_enabled"]),
        recent_threads=m["recent_threads"],
    )


def _thread(row: Row[Any]) -> ThreadRecord:
    m = row._mapping
    return ThreadRecord(
        id=m["id"],
        user=m["user"],
        session_id=m["session_id"],
        title=m["title"],
        status=m["status"],
        status_reason=m["status_reason"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        workflow_id=m["workflow_id"],
        workflow_version=m["workflow_version"],
        metadata=orjson.loads(m["metadata"]) if m["metadata"] else {},
    )


def _item(row: Row[Any]) -> ItemRecord:
    m = row._mapping
    return ItemRecord(id=m["id"], thread_id=m["thread_id"], type=m["type"], created_at=m["created_at"], data=m["data"])


def _attachment(row: Row[Any]) -> AttachmentRecord:
    return AttachmentRecord(**dict(row._mapping))


def _feedback(row: Row[Any]) -> FeedbackRecord:
    return FeedbackRecord(**dict(row._mapping))


_THREAD_COLUMNS = [c for c in schema.threads.c]


class Store:
    """Async access to the database. Create with :meth:`open`, release with :meth:`close`."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    @classmethod
    def open(cls, database_url: str) -> Store:
        return cls(create_engines(database_url))

    @property
    def dialect(self) -> str:
        return self.engines.dialect

    async def close(self) -> None:
        await self.engines.dispose()

    async def ping(self) -> None:
        async with self.engines.read.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    # -- sessions -------------------------------------------------------------------------------------

    async def create_session(self, record: SessionRecord) -> None:
        values = record.__dict__ | {"state_variables": _json_or_none(record.state_variables)}
        async with self.engines.write.begin() as conn:
            await conn.execute(insert(schema.sessions).values(**values))

    async def get_session(self, session_id: str) -> SessionRecord | None:
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(select(schema.sessions).where(schema.sessions.c.id == session_id))).first()
        return _session(row) if row else None

    async def get_session_by_secret_hash(self, secret_hash: str) -> SessionRecord | None:
        query = select(schema.sessions).where(schema.sessions.c.secret_hash == secret_hash)
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(query)).first()
        return _session(row) if row else None

    async def cancel_session(self, session_id: str, now: float) -> SessionRecord | None:
        """Mark a session cancelled (keeping the first cancellation time) and return it."""
        table = schema.sessions
        async with self.engines.write.begin() as conn:
            await conn.execute(
                update(table).where(table.c.id == session_id, table.c.cancelled_at.is_(None)).values(cancelled_at=now)
            )
            row = (await conn.execute(select(table).where(table.c.id == session_id))).first()
        return _session(row) if row else None

    async def list_sessions(
        self, *, user: str | None, after: str | None, before: str | None, limit: int, order: Order
    ) -> Page[SessionRecord]:
        table = schema.sessions
        query = select(table)
        if user is not None:
            query = query.where(table.c.user == user)
        query, reversed_ = keyset(query, table.c.id, order=order, after=after, before=before, limit=limit)
        async with self.engines.read.connect() as conn:
            rows = list((await conn.execute(query)).all())
        data, has_more = finish(rows, limit, reversed_)
        return Page([_session(r) for r in data], has_more)

    # -- threads --------------------------------------------------------------------------------------

    async def list_threads(
        self,
        *,
        user: str | None,
        after: str | None,
        before: str | None,
        limit: int,
        order: Order,
        session_id: str | None = None,
        min_id: str | None = None,
    ) -> Page[ThreadRecord]:
        """Threads in id (= creation) order. ``min_id`` hides threads older than it (``recent_threads``)."""
        table = schema.threads
        query = select(*_THREAD_COLUMNS)
        if user is not None:
            query = query.where(table.c.user == user)
        if session_id is not None:
            query = query.where(table.c.session_id == session_id)
        if min_id is not None:
            query = query.where(table.c.id >= min_id)
        query, reversed_ = keyset(query, table.c.id, order=order, after=after, before=before, limit=limit)
        async with self.engines.read.connect() as conn:
            rows = list((await conn.execute(query)).all())
        data, has_more = finish(rows, limit, reversed_)
        return Page([_thread(r) for r in data], has_more)

    async def nth_newest_thread_id(self, user: str, n: int) -> str | None:
        """Id of the user's ``n``-th newest thread, the floor that ``recent_threads=n`` shows."""
        table = schema.threads
        query = select(table.c.id).where(table.c.user == user).order_by(table.c.id.desc()).limit(n)
        async with self.engines.read.connect() as conn:
            ids = list((await conn.execute(query)).scalars())
        return ids[-1] if len(ids) == n else None

    async def get_thread(self, thread_id: str) -> ThreadRecord | None:
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(select(*_THREAD_COLUMNS).where(schema.threads.c.id == thread_id))).first()
        return _thread(row) if row else None

    async def save_thread(self, record: ThreadRecord) -> None:
        """Insert or update a thread; the owner and creating session never change once set."""
        values = record.__dict__ | {"metadata": _json_or_none(record.metadata or None)}
        table = schema.threads
        async with self.engines.write.begin() as conn:
            result = await conn.execute(
                update(table)
                .where(table.c.id == record.id)
                .values(
                    title=values["title"],
                    status=values["status"],
                    status_reason=values["status_reason"],
                    updated_at=values["updated_at"],
                    metadata=values["metadata"],
                )
            )
            if result.rowcount == 0:
                await conn.execute(insert(table).values(**values))

    async def delete_thread(self, thread_id: str) -> list[AttachmentRecord] | None:
        """Delete a thread with its items, attachments and feedback in one transaction.

        Returns the deleted attachments (so their bytes can be removed) or None when there was no thread.
        """
        async with self.engines.write.begin() as conn:
            found = (await conn.execute(select(schema.threads.c.id).where(schema.threads.c.id == thread_id))).first()
            if not found:
                return None
            rows = (
                await conn.execute(select(schema.attachments).where(schema.attachments.c.thread_id == thread_id))
            ).all()
            await conn.execute(delete(schema.attachments).where(schema.attachments.c.thread_id == thread_id))
            await conn.execute(delete(schema.items).where(schema.items.c.thread_id == thread_id))
            await conn.execute(delete(schema.feedback).where(schema.feedback.c.thread_id == thread_id))
            await conn.execute(delete(schema.threads).where(schema.threads.c.id == thread_id))
        return [_attachment(r) for r in rows]

    # -- items ----------------------------------------------------------------------------------------

    async def list_items(
        self,
        thread_id: str,
        *,
        after: str | None,
        before: str | None,
        limit: int,
        order: Order,
        exclude_types: Sequence[str] = (),
    ) -> Page[ItemRecord]:
        table = schema.items
        query = select(table).where(table.c.thread_id == thread_id)
        if exclude_types:
            query = query.where(table.c.type.not_in(list(exclude_types)))
        query, reversed_ = keyset(query, table.c.id, order=order, after=after, before=before, limit=limit)
        async with self.engines.read.connect() as conn:
            rows = list((await conn.execute(query)).all())
        data, has_more = finish(rows, limit, reversed_)
        return Page([_item(r) for r in data], has_more)

    async def get_item(self, thread_id: str, item_id: str) -> ItemRecord | None:
        table = schema.items
        query = select(table).where(table.c.id == item_id, table.c.thread_id == thread_id)
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(query)).first()
        return _item(row) if row else None

    async def save_item(self, record: ItemRecord, *, touch_thread_at: float | None = None) -> None:
        """Insert or replace an item (keyed by id) and optionally bump the thread's ``updated_at``."""
        table = schema.items
        async with self.engines.write.begin() as conn:
            result = await conn.execute(
                update(table)
                .where(table.c.id == record.id, table.c.thread_id == record.thread_id)
                .values(type=record.type, data=record.data)
            )
            if result.rowcount == 0:
                await conn.execute(insert(table).values(**record.__dict__))
            if touch_thread_at is not None:
                await _touch(conn, record.thread_id, touch_thread_at)

    async def delete_item(self, thread_id: str, item_id: str) -> None:
        table = schema.items
        async with self.engines.write.begin() as conn:
            await conn.execute(delete(table).where(table.c.id == item_id, table.c.thread_id == thread_id))

    async def delete_items_after(self, thread_id: str, item_id: str) -> None:
        table = schema.items
        async with self.engines.write.begin() as conn:
            await conn.execute(delete(table).where(table.c.thread_id == thread_id, table.c.id > item_id))

    # -- attachments ----------------------------------------------------------------------------------

    async def save_attachment(self, record: AttachmentRecord) -> None:
        table = schema.attachments
        async with self.engines.write.begin() as conn:
            result = await conn.execute(
                update(table)
                .where(table.c.id == record.id)
                .values(thread_id=record.thread_id, size=record.size, storage_key=record.storage_key)
            )
            if result.rowcount == 0:
                await conn.execute(insert(table).values(**record.__dict__))

    async def get_attachment(self, attachment_id: str) -> AttachmentRecord | None:
        async with self.engines.read.connect() as conn:
            row = (
                await conn.execute(select(schema.attachments).where(schema.attachments.c.id == attachment_id))
            ).first()
        return _attachment(row) if row else None

    async def delete_attachment(self, attachment_id: str) -> None:
        async with self.engines.write.begin() as conn:
            await conn.execute(delete(schema.attachments).where(schema.attachments.c.id == attachment_id))

    async def count_session_attachments(self, session_id: str) -> int:
        table = schema.attachments
        query = select(func.count()).select_from(table).where(table.c.session_id == session_id)
        async with self.engines.read.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    # -- feedback -------------------------------------------------------------------------------------

    async def add_feedback(self, records: Sequence[FeedbackRecord]) -> None:
        if not records:
            return
        async with self.engines.write.begin() as conn:
            await conn.execute(insert(schema.feedback), [r.__dict__ for r in records])

    async def list_feedback(
        self, *, thread_id: str | None, after: str | None, before: str | None, limit: int, order: Order
    ) -> Page[FeedbackRecord]:
        table = schema.feedback
        query = select(table)
        if thread_id is not None:
            query = query.where(table.c.thread_id == thread_id)
        query, reversed_ = keyset(query, table.c.id, order=order, after=after, before=before, limit=limit)
        async with self.engines.read.connect() as conn:
            rows = list((await conn.execute(query)).all())
        data, has_more = finish(rows, limit, reversed_)
        return Page([_feedback(r) for r in data], has_more)


async def _touch(conn: AsyncConnection, thread_id: str, at: float) -> None:
    await conn.execute(update(schema.threads).where(schema.threads.c.id == thread_id).values(updated_at=at))


def now() -> float:
    return time.time()
