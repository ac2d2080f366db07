"""The store: every read and write of sessions, threads, items, attachments and feedback.

Statements on SQLAlchemy Core for SQLite and PostgreSQL, run through the database's one door
(``database.py``); the URL picks the driver. Callers pass plain records (``records.py``) and get plain
records back. Hot statements are built in ``statements.py``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import fields
from functools import partial
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import Connection, Row, delete, func, insert, select, update

from chatkit_host.server.store import claims, schema
from chatkit_host.server.store.database import Database, open_database
from chatkit_host.server.store.paging import finish, keyset
from chatkit_host.server.store.records import (
    AttachmentRecord,
    FeedbackRecord,
    ItemRecord,
    Order,
    Page,
    SessionRecord,
    ThreadRecord,
)
from chatkit_host.server.store.statements import (
    ITEM_COLUMNS,
    THREAD_COLUMNS,
    items_page,
    json_or_none,
    session_by_secret_hash,
    thread_by_id,
    threads_page,
    upserts,
)


def _session(row: Row[Any] | Sequence[Any]) -> SessionRecord:
    # Rows from ``Database.fetch`` are plain tuples (or asyncpg records) in table column order.
    m = row._mapping if isinstance(row, Row) else dict(zip(schema.sessions.c.keys(), row, strict=True))
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


# Rows are read by position (a row from ``Database.fetch`` is a plain tuple) in these columns' order.
_T = {c.name: i for i, c in enumerate(THREAD_COLUMNS)}
_I = {c.name: i for i, c in enumerate(ITEM_COLUMNS)}

# A page builds many thread records; filling the frozen dataclass's __dict__ directly costs less than half
# of its generated __init__ (which goes through object.__setattr__ once per field).
_THREAD_FIELDS = tuple(f.name for f in fields(ThreadRecord) if f.name != "metadata")
_thread_values = itemgetter(*(_T[name] for name in _THREAD_FIELDS))


def _thread(row: Sequence[Any]) -> ThreadRecord:
    record: ThreadRecord = object.__new__(ThreadRecord)
    attributes = record.__dict__
    attributes.update(zip(_THREAD_FIELDS, _thread_values(row), strict=True))
    metadata = row[_T["metadata"]]
    attributes["metadata"] = orjson.loads(metadata) if metadata else {}
    return record


def _item(row: Sequence[Any]) -> ItemRecord:
    return ItemRecord(
        id=row[_I["id"]],
        thread_id=row[_I["thread_id"]],
        type=row[_I["type"]],
        created_at=row[_I["created_at"]],
        data=row[_I["data"]],
    )


def _attachment(row: Row[Any]) -> AttachmentRecord:
    return AttachmentRecord(**dict(row._mapping))


def _feedback(row: Row[Any]) -> FeedbackRecord:
    return FeedbackRecord(**dict(row._mapping))


class Store:
    """Async access to the database. Create with :meth:`open`, release with :meth:`close`."""

    def __init__(self, db: Database) -> None:
        #: The one door to the database, shared with the workflow store and the attachment bytes.
        self.db = db

    @classmethod
    def open(cls, database_url: str) -> Store:
        return cls(open_database(database_url))

    @property
    def dialect(self) -> str:
        return self.db.dialect

    async def close(self) -> None:
        await self.db.close()

    async def ping(self) -> None:
        await self.db.ping()

    # -- sessions -------------------------------------------------------------------------------------

    async def create_session(self, record: SessionRecord) -> None:
        """Insert a new session; :class:`StoreConflict` if its id or secret hash exists already."""
        values = record.__dict__ | {"state_variables": json_or_none(record.state_variables)}
        key = ("insert sessions", *values)
        await self.db.write([self.db.statement(key, lambda: insert(schema.sessions), values, list(values))])

    async def get_session(self, session_id: str) -> SessionRecord | None:
        rows = await self.db.read(select(schema.sessions).where(schema.sessions.c.id == session_id))
        return _session(rows[0]) if rows else None

    async def get_session_by_secret_hash(self, secret_hash: str) -> SessionRecord | None:
        # Every runtime request starts here, so it takes the hot read path.
        rows = await self.db.fetch("session by secret", session_by_secret_hash, {"secret_hash": secret_hash})
        return _session(rows[0]) if rows else None

    async def cancel_session(self, session_id: str, now: float) -> SessionRecord | None:
        """Mark a session cancelled (keeping the first cancellation time) and return it."""
        table = schema.sessions

        def cancel(conn: Connection) -> Row[Any] | None:
            unset = (table.c.id == session_id, table.c.cancelled_at.is_(None))
            conn.execute(update(table).where(*unset).values(cancelled_at=now))
            return conn.execute(select(table).where(table.c.id == session_id)).first()

        row = await self.db.transaction(cancel)
        return _session(row) if row else None

    async def list_sessions(
        self, *, user: str | None, after: str | None, before: str | None, limit: int, order: Order
    ) -> Page[SessionRecord]:
        table = schema.sessions
        query = select(table)
        if user is not None:
            query = query.where(table.c.user == user)
        query, reversed_ = keyset(query, table.c.id, order=order, after=after, before=before, limit=limit)
        data, has_more = finish(list(await self.db.read(query)), limit, reversed_)
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
        data, has_more = await self._threads_rows(False, user, after, before, limit, order, session_id, min_id)
        return Page([_thread(r) for r in data], has_more)

    async def list_thread_rows(
        self, *, user: str | None, after: str | None, before: str | None, limit: int, order: Order
    ) -> Page[Sequence[Any]]:
        """:meth:`list_threads` as plain rows of ``THREAD_ROW_COLUMNS``: a list page needs no record (nor its
        metadata decoded) on the way to JSON."""
        data, has_more = await self._threads_rows(True, user, after, before, limit, order, None, None)
        return Page(data, has_more)

    async def _threads_rows(
        self,
        projected: bool,
        user: str | None,
        after: str | None,
        before: str | None,
        limit: int,
        order: Order,
        session_id: str | None,
        min_id: str | None,
    ) -> tuple[list[Sequence[Any]], bool]:
        shape = (
            projected,
            user is not None,
            session_id is not None,
            min_id is not None,
            after is not None,
            before is not None,
        )
        query, reversed_ = threads_page(*shape, order, limit)
        values = {"user": user, "session_id": session_id, "min_id": min_id, "after": after, "before": before}
        rows = list(await self.db.fetch(("threads", *shape, order, limit), lambda: query, values))
        return finish(rows, limit, reversed_)

    async def nth_newest_thread_id(self, user: str, n: int) -> str | None:
        """Id of the user's ``n``-th newest thread, the floor that ``recent_threads=n`` shows."""
        table = schema.threads
        rows = await self.db.read(select(table.c.id).where(table.c.user == user).order_by(table.c.id.desc()).limit(n))
        return rows[-1][0] if len(rows) == n else None

    async def get_thread(self, thread_id: str) -> ThreadRecord | None:
        rows = await self.db.fetch("thread", thread_by_id, {"thread_id": thread_id})
        return _thread(rows[0]) if rows else None

    async def save_thread(self, record: ThreadRecord) -> None:
        """Insert or update a thread; the owner and creating session never change once set."""
        await self.save_records(thread=record)

    async def delete_thread(self, thread_id: str) -> list[AttachmentRecord] | None:
        """Delete a thread with its items, attachments and feedback in one transaction.

        Returns the deleted attachments (so their bytes can be removed) or None when there was no thread.
        """

        def remove(conn: Connection) -> list[AttachmentRecord] | None:
            if not conn.execute(select(schema.threads.c.id).where(schema.threads.c.id == thread_id)).first():
                return None
            attachments = schema.attachments
            rows = conn.execute(select(attachments).where(attachments.c.thread_id == thread_id)).all()
            for table in (attachments, schema.items, schema.feedback):
                conn.execute(delete(table).where(table.c.thread_id == thread_id))
            conn.execute(delete(schema.threads).where(schema.threads.c.id == thread_id))
            return [_attachment(r) for r in rows]

        return await self.db.transaction(remove)

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
        shape = (tuple(exclude_types), after is not None, before is not None, order, limit)
        query, reversed_ = items_page(*shape)
        values = {"thread_id": thread_id, "after": after, "before": before}
        rows = list(await self.db.fetch(("items", *shape), lambda: query, values))
        data, has_more = finish(rows, limit, reversed_)
        return Page([_item(r) for r in data], has_more)

    async def get_item(self, thread_id: str, item_id: str) -> ItemRecord | None:
        table = schema.items
        rows = await self.db.read(select(table).where(table.c.id == item_id, table.c.thread_id == thread_id))
        return _item(rows[0]) if rows else None

    async def save_item(self, record: ItemRecord, *, touch_thread_at: float | None = None) -> None:
        """Insert or replace an item (keyed by id) and optionally bump the thread's ``updated_at``."""
        await self.save_records(items=[record], touch_thread_at=touch_thread_at)

    async def save_records(
        self,
        *,
        thread: ThreadRecord | None = None,
        attachments: Sequence[AttachmentRecord] = (),
        items: Sequence[ItemRecord] = (),
        touch_thread_at: float | None = None,
    ) -> None:
        """Upsert a thread and items, and send attachments into their thread, in one transaction.

        The one write path for these records (``save_thread`` and ``save_item`` call it): a thread's owner and
        creating session never change; items are keyed by id within their thread. Each attachment is bound to
        the thread its record names only if it has bytes and is in no other thread, decided in the database
        (``claims.send_attachments``); otherwise :class:`AttachmentUnavailable` and nothing is written. Without
        attachments (nearly every turn) the writes are one round trip, batched with other callers'.
        """
        if not attachments:
            if thread is None and not items:
                return
            await self.db.write(upserts(self.db, thread, items, touch_thread_at))
            return
        work = partial(
            claims.save_message,
            dialect=self.db.dialect,
            thread=thread,
            attachments=attachments,
            items=items,
            touch_thread_at=touch_thread_at,
        )
        await self.db.transaction(work)

    async def delete_item(self, thread_id: str, item_id: str) -> None:
        table = schema.items
        await self.db.execute(delete(table).where(table.c.id == item_id, table.c.thread_id == thread_id))

    async def delete_items_after(self, thread_id: str, item_id: str) -> None:
        table = schema.items
        await self.db.execute(delete(table).where(table.c.thread_id == thread_id, table.c.id > item_id))

    # -- attachments ----------------------------------------------------------------------------------

    async def add_attachment(self, record: AttachmentRecord, max_files: int) -> bool:
        """Insert an attachment unless its session has ``max_files`` already (decided atomically); whether it was."""
        return await self.db.transaction(partial(claims.insert_within_limit, record=record, max_files=max_files))

    async def claim_upload(self, attachment_id: str, now: float) -> bool:
        """Claim an attachment without bytes for the upload starting ``now``; False if another upload holds it
        (or it has its bytes, or is gone). See ``claims.py``."""
        return await self.db.transaction(partial(claims.claim_upload, attachment_id=attachment_id, now=now))

    async def finish_upload(
        self, attachment_id: str, claimed_at: float, size: int, storage_key: str, *, direct: bool = False
    ) -> bool:
        """Record the bytes of the upload holding the claim taken at ``claimed_at``; False if it lost it."""
        work = partial(
            claims.finish_upload,
            attachment_id=attachment_id,
            claimed_at=claimed_at,
            size=size,
            key=storage_key,
            direct=direct,
        )
        return await self.db.transaction(work)

    async def release_upload(self, attachment_id: str, claimed_at: float) -> None:
        await self.db.transaction(partial(claims.release_upload, attachment_id=attachment_id, claimed_at=claimed_at))

    async def delete_attachment_without_bytes(self, attachment_id: str) -> None:
        await self.db.transaction(partial(claims.delete_without_bytes, attachment_id=attachment_id))

    async def get_attachment(self, attachment_id: str) -> AttachmentRecord | None:
        rows = await self.db.read(select(schema.attachments).where(schema.attachments.c.id == attachment_id))
        return _attachment(rows[0]) if rows else None

    async def delete_attachment(self, attachment_id: str) -> AttachmentRecord | None:
        """Delete an attachment; the row as deleted (whose bytes to remove), or None if it was gone already."""
        return await self.db.transaction(partial(claims.delete, attachment_id=attachment_id))

    async def count_session_attachments(self, session_id: str) -> int:
        table = schema.attachments
        rows = await self.db.read(select(func.count()).select_from(table).where(table.c.session_id == session_id))
        return int(rows[0][0])

    async def delete_unsent_attachments(self, created_before: float, limit: int) -> list[AttachmentRecord]:
        """Delete up to ``limit`` attachments in no thread and created before ``created_before``; return them.

        The one query of attachment garbage collection (``attachments/gc.py``). An attachment gets its
        ``thread_id`` in the same transaction that saves the user message naming it (``runtime/core.py``'s
        message prelude), so ``thread_id IS NULL`` means "no message refers to it": no item JSON needs
        scanning, and ``ix_attachments_thread_id`` finds those rows without reading the sent ones.

        Safe to run from several replicas at once: the delete checks the condition again on each row (PostgreSQL
        re-evaluates it after waiting for a concurrent writer, SQLite has one writer), so a row that a message
        claimed meanwhile, or that another sweep removed, is left out. Only the caller that deleted a row gets it
        back, so its bytes are removed once.
        """
        table = schema.attachments
        unsent = (table.c.thread_id.is_(None), table.c.created_at < created_before)

        def sweep(conn: Connection) -> list[AttachmentRecord]:
            # Two statements rather than DELETE ... IN (SELECT ...): SQLite would then scan every unsent row for
            # the outer condition instead of looking the batch up by primary key.
            found = conn.execute(select(table.c.id).where(*unsent).limit(limit)).scalars().all()
            if not found:
                return []
            rows = conn.execute(delete(table).where(table.c.id.in_(found), *unsent).returning(*table.c)).all()
            return [_attachment(row) for row in rows]

        return await self.db.transaction(sweep)

    # -- feedback -------------------------------------------------------------------------------------

    async def add_feedback(self, records: Sequence[FeedbackRecord]) -> None:
        if records:
            rows = [r.__dict__ for r in records]
            await self.db.transaction(lambda conn: conn.execute(insert(schema.feedback), rows))

    async def list_feedback(
        self, *, thread_id: str | None, after: str | None, before: str | None, limit: int, order: Order
    ) -> Page[FeedbackRecord]:
        table = schema.feedback
        query = select(table)
        if thread_id is not None:
            query = query.where(table.c.thread_id == thread_id)
        query, reversed_ = keyset(query, table.c.id, order=order, after=after, before=before, limit=limit)
        data, has_more = finish(list(await self.db.read(query)), limit, reversed_)
        return Page([_feedback(r) for r in data], has_more)


def now() -> float:
    return time.time()
