"""The store: every read and write of sessions, threads, items, attachments and feedback.

One implementation on SQLAlchemy Core serves SQLite and PostgreSQL; the URL picks the driver. Callers pass
plain records (``records.py``) and get plain records back.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import fields
from functools import lru_cache
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    ClauseElement,
    Row,
    Select,
    Table,
    bindparam,
    case,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.compiler import SQLCompiler

from chatkit_host.server.store import schema
from chatkit_host.server.store.engine import Engines, create_engines
from chatkit_host.server.store.errors import conflicts_as_store_errors
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


def _json_or_none(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _session(row: Row[Any] | Sequence[Any]) -> SessionRecord:
    # Rows from the direct SQLite path are plain tuples in table column order.
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


_THREAD_COLUMNS = [c for c in schema.threads.c]
_ITEM_COLUMNS = [c for c in schema.items.c]
# Rows are read by position (a row from the SQLite fast path is a plain tuple) in these columns' order.
_T = {c.name: i for i, c in enumerate(_THREAD_COLUMNS)}
_I = {c.name: i for i, c in enumerate(_ITEM_COLUMNS)}


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


#: The columns of the rows ``Store.list_thread_rows`` returns, in row order: a list page reads only these
#: (fewer columns is most of what a SQLite page read costs). Callers find a column by its name here.
THREAD_ROW_COLUMNS = ("id", "created_at", "title", "status", "status_reason", "user")
_PROJECTED_COLUMNS = [schema.threads.c[name] for name in THREAD_ROW_COLUMNS]


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


# Hot statements are built once per shape, with the values as bind parameters (building and compiling a
# statement costs more than running it); ``Store._fetch`` passes the values.


@lru_cache(maxsize=512)
def _threads_page(
    projected: bool,
    by_user: bool,
    by_session: bool,
    with_min_id: bool,
    after: bool,
    before: bool,
    order: Order,
    limit: int,
) -> tuple[Select[Any], bool]:
    table = schema.threads
    query = select(*(_PROJECTED_COLUMNS if projected else _THREAD_COLUMNS))
    if by_user:
        query = query.where(table.c.user == bindparam("user"))
    if by_session:
        query = query.where(table.c.session_id == bindparam("session_id"))
    if with_min_id:
        query = query.where(table.c.id >= bindparam("min_id"))
    return keyset(
        query,
        table.c.id,
        order=order,
        after=bindparam("after") if after else None,
        before=bindparam("before") if before else None,
        limit=limit,
    )


@lru_cache(maxsize=512)
def _items_page(
    exclude_types: tuple[str, ...], after: bool, before: bool, order: Order, limit: int
) -> tuple[Select[Any], bool]:
    table = schema.items
    query = select(*_ITEM_COLUMNS).where(table.c.thread_id == bindparam("thread_id"))
    if exclude_types:
        # One bound value per type (not an expanding IN), so the compiled statement can be reused as is.
        query = query.where(table.c.type.not_in([literal(t) for t in exclude_types]))
    return keyset(
        query,
        table.c.id,
        order=order,
        after=bindparam("after") if after else None,
        before=bindparam("before") if before else None,
        limit=limit,
    )


@lru_cache(maxsize=1)
def _thread_by_id() -> Select[Any]:
    return select(*_THREAD_COLUMNS).where(schema.threads.c.id == bindparam("thread_id"))


class Store:
    """Async access to the database. Create with :meth:`open`, release with :meth:`close`."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines
        self._sql: dict[Hashable, tuple[str, tuple[str, ...], dict[str, Any]]] = {}

    @classmethod
    def open(cls, database_url: str) -> Store:
        return cls(create_engines(database_url))

    @property
    def dialect(self) -> str:
        return self.engines.dialect

    async def close(self) -> None:
        await self.engines.dispose()

    def _compiled(self, key: Hashable, build: Callable[[], ClauseElement], column_keys: list[str] | None = None) -> Any:
        """SQL text, bind names and defaults of the statement ``build`` makes, built and compiled once per ``key``."""
        found = self._sql.get(key)
        if found is None:
            if len(self._sql) > 4096:  # shapes are few; this only bounds odd callers (e.g. unusual limits)
                self._sql.clear()
            compiled = build().compile(dialect=self.engines.read.dialect, column_keys=column_keys)
            assert isinstance(compiled, SQLCompiler)
            found = (str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))
            self._sql[key] = found
        return found

    async def _fetch(self, key: Hashable, query: Select[Any], values: dict[str, Any]) -> Sequence[Sequence[Any]]:
        """Rows of a (cached) ``query`` with ``values`` bound; on a SQLite file straight through the driver."""
        direct = self.engines.direct
        if direct is not None:
            sql, names, defaults = self._compiled(key, lambda: query)
            rows = direct.fetch_all(sql, [values[n] if n in values else defaults[n] for n in names])
            if rows is not None:
                return rows
        pg_direct = self.engines.pg_direct
        if pg_direct is not None:
            sql, names, defaults = self._compiled(key, lambda: query)
            return await pg_direct.fetch_all(sql, [values[n] if n in values else defaults[n] for n in names])
        async with self.engines.read.connect() as conn:
            return list((await conn.execute(query, values)).all())

    async def ping(self) -> None:
        async with self.engines.read.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    # -- sessions -------------------------------------------------------------------------------------

    async def create_session(self, record: SessionRecord) -> None:
        """Insert a new session; :class:`StoreConflict` if its id or secret hash exists already."""
        values = record.__dict__ | {"state_variables": _json_or_none(record.state_variables)}
        sql, names, _ = self._compiled(("insert sessions", *values), lambda: insert(schema.sessions), list(values))
        with conflicts_as_store_errors():
            await self._write([(sql, [values[n] for n in names])])

    async def get_session(self, session_id: str) -> SessionRecord | None:
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(select(schema.sessions).where(schema.sessions.c.id == session_id))).first()
        return _session(row) if row else None

    async def get_session_by_secret_hash(self, secret_hash: str) -> SessionRecord | None:
        # Every runtime request starts here, so it takes the direct read path on SQLite.
        query = select(schema.sessions).where(schema.sessions.c.secret_hash == bindparam("secret_hash"))
        rows = await self._fetch("session by secret", query, {"secret_hash": secret_hash})
        return _session(rows[0]) if rows else None

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
        query, reversed_ = _threads_page(*shape, order, limit)
        values = {"user": user, "session_id": session_id, "min_id": min_id, "after": after, "before": before}
        rows = list(await self._fetch(("threads", *shape, order, limit), query, values))
        return finish(rows, limit, reversed_)

    async def nth_newest_thread_id(self, user: str, n: int) -> str | None:
        """Id of the user's ``n``-th newest thread, the floor that ``recent_threads=n`` shows."""
        table = schema.threads
        query = select(table.c.id).where(table.c.user == user).order_by(table.c.id.desc()).limit(n)
        async with self.engines.read.connect() as conn:
            ids = list((await conn.execute(query)).scalars())
        return ids[-1] if len(ids) == n else None

    async def get_thread(self, thread_id: str) -> ThreadRecord | None:
        rows = await self._fetch("thread", _thread_by_id(), {"thread_id": thread_id})
        return _thread(rows[0]) if rows else None

    async def save_thread(self, record: ThreadRecord) -> None:
        """Insert or update a thread; the owner and creating session never change once set."""
        await self.save_records(thread=record)

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
        shape = (tuple(exclude_types), after is not None, before is not None, order, limit)
        query, reversed_ = _items_page(*shape)
        values = {"thread_id": thread_id, "after": after, "before": before}
        rows = list(await self._fetch(("items", *shape), query, values))
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
        await self.save_records(items=[record], touch_thread_at=touch_thread_at)

    async def save_records(
        self,
        *,
        thread: ThreadRecord | None = None,
        attachments: Sequence[AttachmentRecord] = (),
        items: Sequence[ItemRecord] = (),
        touch_thread_at: float | None = None,
    ) -> None:
        """Upsert a thread, attachments and items in one transaction: one round trip for a turn's writes.

        The one write path for these records (``save_thread``, ``save_item`` and ``save_attachment`` call it):
        a thread's owner and creating session never change; items are keyed by id within their thread.
        """
        if self.engines.pg_direct is not None:
            statements = [self._pg_upserts(thread, attachments, items, touch_thread_at)]  # one CTE statement
        else:
            statements = self._upserts(thread, attachments, items, touch_thread_at)
        with conflicts_as_store_errors():
            await self._write(statements)

    async def _write(self, statements: list[tuple[str, list[Any]]]) -> None:
        """Compiled statements in one transaction, the one way every hot write reaches the database.

        SQLite files: the writer thread (group commit). PostgreSQL: callers send one statement (``_pg_upserts``
        folds several into one), which the asyncpg pool runs atomically in autocommit. Otherwise (in-memory
        SQLite, or a write still locked out after the writer's busy timeout): the SQLAlchemy engine.
        """
        direct = self.engines.direct
        if direct is not None:
            try:
                await direct.write(statements)
                return
            except sqlite3.OperationalError as exc:
                # Still locked after the writer's busy timeout: the queued path below waits its turn.
                if exc.sqlite_errorcode not in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                    raise
        if len(statements) == 1 and self.engines.pg_direct is not None:
            await self.engines.pg_direct.execute(*statements[0])
            return
        async with self.engines.write.begin() as conn:
            for sql, params in statements:
                await conn.exec_driver_sql(sql, tuple(params))

    def _upserts(
        self,
        thread: ThreadRecord | None,
        attachments: Sequence[AttachmentRecord],
        items: Sequence[ItemRecord],
        touch_thread_at: float | None,
    ) -> list[tuple[str, list[Any]]]:
        """The same writes as single SQLite upsert statements, for the direct path (it cannot branch)."""
        statements = []
        if thread is not None:
            values = thread.__dict__ | {"metadata": _json_or_none(thread.metadata or None)}
            statements.append(self._upsert_sql(schema.threads, values, _THREAD_CHANGES))
        for attachment in attachments:
            statements.append(self._upsert_sql(schema.attachments, attachment.__dict__, _ATTACHMENT_CHANGES))
        for item in items:
            statements.append(self._upsert_sql(schema.items, item.__dict__, ("type", "data")))
        if touch_thread_at is not None and items:
            table = schema.threads
            touch = update(table).where(table.c.id == bindparam("tid")).values(updated_at=bindparam("at"))
            sql, names, _ = self._compiled("touch thread", lambda: touch)
            values = {"tid": items[0].thread_id, "at": touch_thread_at}
            statements.append((sql, [values[n] for n in names]))
        return statements

    def _pg_upserts(
        self,
        thread: ThreadRecord | None,
        attachments: Sequence[AttachmentRecord],
        items: Sequence[ItemRecord],
        touch_thread_at: float | None,
    ) -> tuple[str, list[Any]]:
        """The same writes as ONE PostgreSQL statement (data-modifying CTEs): atomic, one round trip."""
        writes: list[tuple[Table, dict[str, Any], tuple[str, ...]]] = []
        if thread is not None:
            values = thread.__dict__ | {"metadata": _json_or_none(thread.metadata or None)}
            writes.append((schema.threads, values, _THREAD_CHANGES))
        writes += [(schema.attachments, a.__dict__, _ATTACHMENT_CHANGES) for a in attachments]
        writes += [(schema.items, i.__dict__, ("type", "data")) for i in items]
        params: dict[str, Any] = {}
        for n, (_, values, _) in enumerate(writes):
            params |= {f"w{n}_{k}": v for k, v in values.items()}
        touch = touch_thread_at is not None and bool(items)
        if touch:
            params |= {"touch_id": items[0].thread_id, "touch_at": touch_thread_at}

        def build() -> ClauseElement:
            statements: list[Any] = []
            for n, (table, values, changes) in enumerate(writes):
                columns = {k: bindparam(f"w{n}_{k}", type_=table.c[k].type) for k in values}
                statement = pg_insert(table).values(columns)
                update_set = _conflict_set(table, statement.excluded, changes)
                statements.append(statement.on_conflict_do_update(index_elements=[table.c.id], set_=update_set))
            if touch:
                table = schema.threads
                where = table.c.id == bindparam("touch_id")
                statements.append(update(table).where(where).values(updated_at=bindparam("touch_at")))
            final = statements[-1]
            if len(statements) > 1:
                final = final.add_cte(*(s.cte(f"w{n}") for n, s in enumerate(statements[:-1])))
            return final  # type: ignore[no-any-return]

        shape = ("pg upserts", *((w[0].name, *w[1]) for w in writes), touch)
        sql, names, _ = self._compiled(shape, build)
        return sql, [params[name] for name in names]

    def _upsert_sql(self, table: Table, values: dict[str, Any], changes: tuple[str, ...]) -> tuple[str, list[Any]]:
        def build() -> ClauseElement:
            statement = sqlite_insert(table)
            update_set = _conflict_set(table, statement.excluded, changes)
            return statement.on_conflict_do_update(index_elements=[table.c.id], set_=update_set)

        sql, names, _ = self._compiled(("upsert", table.name, *values), build, column_keys=list(values))
        return sql, [values[n] for n in names]

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
        """Insert an attachment, or record its thread, size and storage key once known."""
        await self.save_records(attachments=[record])

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


_THREAD_CHANGES = ("title", "status", "status_reason", "updated_at", "metadata")
_ATTACHMENT_CHANGES = ("thread_id", "size", "storage_key")


def _conflict_set(table: Table, excluded: Any, changes: tuple[str, ...]) -> dict[str, Any]:
    """The SET of an upsert. An item id is only ever updated within its own thread: one that exists in another
    thread sets ``thread_id`` to NULL, which the NOT NULL constraint refuses, so the write fails with an
    integrity error as the update-then-insert path does (a ``WHERE`` on the conflict would skip it silently)."""
    update_set = {name: excluded[name] for name in changes}
    if table is schema.items:
        same_thread = table.c.thread_id == excluded.thread_id
        update_set["thread_id"] = case((same_thread, table.c.thread_id), else_=null())
    return update_set


def now() -> float:
    return time.time()
