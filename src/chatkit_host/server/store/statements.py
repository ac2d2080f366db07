"""The store's hot statements, built once per shape with the values as bind parameters.

Building and compiling a statement costs more than running it, so each builder here is cached per shape
(``lru_cache`` for the builders, ``Database.compiled`` for the SQL); the store passes the values.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import ClauseElement, Executable, Select, Table, bindparam, case, literal, null, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from chatkit_host.server.store import schema
from chatkit_host.server.store.database import Database
from chatkit_host.server.store.paging import keyset
from chatkit_host.server.store.records import ItemRecord, Order, ThreadRecord

THREAD_COLUMNS = [c for c in schema.threads.c]
ITEM_COLUMNS = [c for c in schema.items.c]
#: The columns of the rows ``Store.list_thread_rows`` returns, in row order: a list page reads only these
#: (fewer columns is most of what a SQLite page read costs). Callers find a column by its name here.
THREAD_ROW_COLUMNS = ("id", "created_at", "title", "status", "status_reason", "user")
PROJECTED_COLUMNS = [schema.threads.c[name] for name in THREAD_ROW_COLUMNS]

_THREAD_CHANGES = ("title", "status", "status_reason", "updated_at", "metadata")
_ITEM_CHANGES = ("type", "data")


def json_or_none(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


@lru_cache(maxsize=512)
def threads_page(
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
    query = select(*(PROJECTED_COLUMNS if projected else THREAD_COLUMNS))
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
def items_page(
    exclude_types: tuple[str, ...], after: bool, before: bool, order: Order, limit: int
) -> tuple[Select[Any], bool]:
    table = schema.items
    query = select(*ITEM_COLUMNS).where(table.c.thread_id == bindparam("thread_id"))
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
def thread_by_id() -> Select[Any]:
    return select(*THREAD_COLUMNS).where(schema.threads.c.id == bindparam("thread_id"))


@lru_cache(maxsize=1)
def session_by_secret_hash() -> Select[Any]:
    return select(schema.sessions).where(schema.sessions.c.secret_hash == bindparam("secret_hash"))


def upserts(
    db: Database,
    thread: ThreadRecord | None,
    items: Sequence[ItemRecord],
    touch_thread_at: float | None,
) -> list[tuple[str, list[Any]]]:
    """The writes of ``Store.save_records`` as compiled statements for :meth:`Database.write`.

    SQLite: one upsert statement each (the writer runs them in one savepoint). PostgreSQL: all of them as ONE
    statement (data-modifying CTEs): atomic in autocommit, one round trip, and batched with other callers'.
    """
    writes: list[tuple[Table, dict[str, Any], tuple[str, ...]]] = []
    if thread is not None:
        values = thread_values(thread)
        writes.append((schema.threads, values, _THREAD_CHANGES))
    writes += [(schema.items, i.__dict__, _ITEM_CHANGES) for i in items]
    touch = touch_thread_at is not None and bool(items)
    if db.dialect == "postgresql":
        return [_pg_upserts(db, writes, items[0].thread_id if touch else None, touch_thread_at)]
    statements = [_sqlite_upsert(db, table, values, changes) for table, values, changes in writes]
    if touch:
        table = schema.threads
        touch_statement = update(table).where(table.c.id == bindparam("tid")).values(updated_at=bindparam("at"))
        values = {"tid": items[0].thread_id, "at": touch_thread_at}
        statements.append(db.statement("touch thread", lambda: touch_statement, values))
    return statements


def upsert_clause(dialect: str, table: Table, values: dict[str, Any]) -> Executable:
    """The upsert ``upserts`` compiles, as a plain statement for a transaction (``Store.save_records`` with
    attachments, whose claims must share the transaction with the message)."""
    changes = _THREAD_CHANGES if table is schema.threads else _ITEM_CHANGES
    statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(values)
    update_set = _conflict_set(table, statement.excluded, changes)
    upsert: Executable = statement.on_conflict_do_update(index_elements=[table.c.id], set_=update_set)
    return upsert


def thread_values(thread: ThreadRecord) -> dict[str, Any]:
    return thread.__dict__ | {"metadata": json_or_none(thread.metadata or None)}


def _sqlite_upsert(
    db: Database, table: Table, values: dict[str, Any], changes: tuple[str, ...]
) -> tuple[str, list[Any]]:
    def build() -> ClauseElement:
        statement = sqlite_insert(table)
        update_set = _conflict_set(table, statement.excluded, changes)
        return statement.on_conflict_do_update(index_elements=[table.c.id], set_=update_set)

    return db.statement(("upsert", table.name, *values), build, values, column_keys=list(values))


def _pg_upserts(
    db: Database,
    writes: list[tuple[Table, dict[str, Any], tuple[str, ...]]],
    touch_id: str | None,
    touch_at: float | None,
) -> tuple[str, list[Any]]:
    params: dict[str, Any] = {}
    for n, (_, values, _) in enumerate(writes):
        params |= {f"w{n}_{k}": v for k, v in values.items()}
    if touch_id is not None:
        params |= {"touch_id": touch_id, "touch_at": touch_at}

    def build() -> ClauseElement:
        statements: list[Any] = []
        for n, (table, values, changes) in enumerate(writes):
            columns = {k: bindparam(f"w{n}_{k}", type_=table.c[k].type) for k in values}
            statement = pg_insert(table).values(columns)
            update_set = _conflict_set(table, statement.excluded, changes)
            statements.append(statement.on_conflict_do_update(index_elements=[table.c.id], set_=update_set))
        if touch_id is not None:
            table = schema.threads
            where = table.c.id == bindparam("touch_id")
            statements.append(update(table).where(where).values(updated_at=bindparam("touch_at")))
        final = statements[-1]
        if len(statements) > 1:
            final = final.add_cte(*(s.cte(f"w{n}") for n, s in enumerate(statements[:-1])))
        return final  # type: ignore[no-any-return]

    shape = ("pg upserts", *((w[0].name, *w[1]) for w in writes), touch_id is not None)
    return db.statement(shape, build, params)


def _conflict_set(table: Table, excluded: Any, changes: tuple[str, ...]) -> dict[str, Any]:
    """The SET of an upsert. An item id is only ever updated within its own thread: one that exists in another
    thread sets ``thread_id`` to NULL, which the NOT NULL constraint refuses, so the write fails with an
    integrity error as the update-then-insert path does (a ``WHERE`` on the conflict would skip it silently)."""
    update_set = {name: excluded[name] for name in changes}
    if table is schema.items:
        same_thread = table.c.thread_id == excluded.thread_id
        update_set["thread_id"] = case((same_thread, table.c.thread_id), else_=null())
    return update_set
