"""The door to PostgreSQL: hot statements straight through an asyncpg pool, transactions through SQLAlchemy."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ClauseElement, Connection
from sqlalchemy.ext.asyncio import create_async_engine

from chatkit_host.server.store.database import Database, Statements
from chatkit_host.server.store.errors import INTEGRITY_ERRORS, StoreConflict
from chatkit_host.server.store.urls import async_url, postgres_dsn

T = TypeVar("T")
_Waiting = list[tuple[Sequence[Any], "asyncio.Future[None]"]]


async def _session_state_untouched(_connection: Any) -> None:
    return None


class PostgresDatabase(Database):
    """Hot statements on PostgreSQL straight through an asyncpg pool.

    Through SQLAlchemy's DBAPI adapter a read costs three round trips (BEGIN, the query, and the ROLLBACK
    when the connection returns to the pool); a single statement in autocommit needs one, with asyncpg's
    prepared-statement cache doing the rest. Writes of the same statement issued during one turn of the
    event loop (32 clients creating sessions at once) go as one ``executemany``: one round trip and one
    commit for all of them (group commit, as on SQLite). Transactions (:meth:`transaction`) and cold reads
    go through SQLAlchemy's pooled asyncpg engine.
    """

    dialect = "postgresql"

    def __init__(self, url: str) -> None:
        super().__init__(create_async_engine(async_url(url), pool_size=10, max_overflow=10, pool_pre_ping=False))
        self.dsn = postgres_dsn(url)
        self._pool: Any = None
        self._lock = asyncio.Lock()
        self._pending: dict[str, _Waiting] = {}
        self._batches: set[asyncio.Future[None]] = set()

    async def _get_pool(self) -> Any:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    import asyncpg

                    # Statements here are single autocommit statements (or one transaction that ends before the
                    # connection is released) and leave no session state behind, so the pool's default reset on
                    # release (advisory unlocks, CLOSE ALL, UNLISTEN, RESET ALL: one more round trip per
                    # statement) has nothing to undo; an open transaction would still be rolled back by asyncpg
                    # before this hook runs.
                    self._pool = await asyncpg.create_pool(
                        self.dsn, min_size=1, max_size=10, reset=_session_state_untouched
                    )
        return self._pool

    async def fetch(
        self, key: Hashable, build: Callable[[], ClauseElement], values: dict[str, Any]
    ) -> Sequence[Sequence[Any]]:
        found = self._sql.get(key)
        sql, names, defaults = found if found is not None else self.compiled(key, build)
        pool = self._pool if self._pool is not None else await self._get_pool()
        rows: list[Any] = await pool.fetch(sql, *[values[n] if n in values else defaults[n] for n in names])
        return rows

    async def write(self, statements: Statements) -> None:
        """One statement joins this loop turn's batch of the same statement; several run in one transaction.

        The store folds a turn's writes into one statement (data-modifying CTEs), so the second case is rare.
        """
        try:
            if len(statements) == 1:
                await self._execute(*statements[0])
                return
            pool = await self._get_pool()
            async with pool.acquire() as conn, conn.transaction():
                for sql, params in statements:
                    await conn.execute(sql, *params)
        except INTEGRITY_ERRORS as exc:
            raise StoreConflict(str(exc)) from exc

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        try:
            async with self.engine.begin() as conn:
                return await conn.run_sync(work)
        except INTEGRITY_ERRORS as exc:
            raise StoreConflict(str(exc)) from exc

    async def _execute(self, sql: str, params: Sequence[Any]) -> None:
        """Run one write statement; returns once it is committed, or raises its own error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.setdefault(sql, []).append((params, future))
        await future

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        for sql, batch in pending.items():
            task = asyncio.ensure_future(self._execute_batch(sql, batch))
            self._batches.add(task)
            task.add_done_callback(self._batches.discard)

    async def _execute_batch(self, sql: str, batch: _Waiting) -> None:
        try:
            pool = await self._get_pool()
            async with pool.acquire() as conn:
                if len(batch) == 1:
                    await conn.execute(sql, *batch[0][0])
                else:
                    try:
                        await conn.executemany(sql, [params for params, _ in batch])  # atomic: all or none
                    except Exception:
                        # One of them failed (whatever it raised: a conflict, a value the column cannot hold)
                        # and took the others' commit with it: run them one by one so that each caller gets
                        # its own outcome.
                        for params, future in batch:
                            try:
                                await conn.execute(sql, *params)
                            except Exception as exc:
                                if not future.done():
                                    future.set_exception(exc)
                            else:
                                if not future.done():
                                    future.set_result(None)
                        return
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
            return
        for _, future in batch:
            if not future.done():
                future.set_result(None)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()
        await self.engine.dispose()
