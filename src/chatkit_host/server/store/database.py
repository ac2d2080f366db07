"""The one door to a database: every read and write of the store, the workflow store and the blobs goes here.

One :class:`Database` per database URL owns the connection strategy; callers only build statements and map
rows. Three ways in, by how hot and how simple the work is:

- :meth:`Database.fetch`: a hot read, built once per shape and compiled once (``key``), values bound per call.
- :meth:`Database.write`: hot compiled write statements, run atomically, group-committed with their neighbours.
- :meth:`Database.transaction`: any multi-statement read-modify-write work on a SQLAlchemy ``Connection``.
  :meth:`Database.execute` is the one-statement case, :meth:`Database.read` a cold read (a SQLAlchemy Row each).

Implementations: ``sqlite.py`` (reads on the event loop, every write on ONE writer thread) and ``postgres.py``
(asyncpg pool with executemany batching, SQLAlchemy for transactions). Every integrity failure comes out as
:class:`~chatkit_host.server.store.errors.StoreConflict`, whatever the driver.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ClauseElement, Connection, Executable, Row
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql.compiler import SQLCompiler

from chatkit_host.server.store.urls import is_sqlite

T = TypeVar("T")
#: Compiled statements (SQL text, positional values), run in order in one transaction.
Statements = Sequence[tuple[str, Sequence[Any]]]
#: SQL text, bind names in positional order, and the defaults of binds a caller may leave out.
Compiled = tuple[str, tuple[str, ...], dict[str, Any]]


class Database(abc.ABC):
    """One database. Create with :func:`open_database`, release with :meth:`close`."""

    #: ``sqlite`` or ``postgresql``: what statement builders may branch on (e.g. upsert syntax).
    dialect: str

    def __init__(self, engine: AsyncEngine) -> None:
        #: SQLAlchemy's engine for cold reads (and, on PostgreSQL, transactions); its dialect compiles statements.
        self.engine = engine
        self._sql: dict[Hashable, Compiled] = {}

    def compiled(
        self, key: Hashable, build: Callable[[], ClauseElement], column_keys: list[str] | None = None
    ) -> Compiled:
        """SQL text, bind names and defaults of the statement ``build`` makes, built and compiled once per ``key``.

        Hot statements are built once per shape, with the values as bind parameters (building and compiling a
        statement costs more than running it).
        """
        found = self._sql.get(key)
        if found is None:
            if len(self._sql) > 4096:  # shapes are few; this only bounds odd callers (e.g. unusual limits)
                self._sql.clear()
            compiled = build().compile(dialect=self.engine.dialect, column_keys=column_keys)
            assert isinstance(compiled, SQLCompiler)
            found = (str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))
            self._sql[key] = found
        return found

    def statement(
        self,
        key: Hashable,
        build: Callable[[], ClauseElement],
        values: dict[str, Any],
        column_keys: list[str] | None = None,
    ) -> tuple[str, list[Any]]:
        """One compiled write statement for :meth:`write`: the cached SQL with ``values`` in bind order."""
        sql, names, _ = self.compiled(key, build, column_keys)
        return sql, [values[n] for n in names]

    @abc.abstractmethod
    async def fetch(
        self, key: Hashable, build: Callable[[], ClauseElement], values: dict[str, Any]
    ) -> Sequence[Sequence[Any]]:
        """Rows (positional, in the statement's column order) of the cached statement ``build`` makes."""

    @abc.abstractmethod
    async def write(self, statements: Statements) -> None:
        """Run ``statements`` atomically; returns once they are committed, or raises their own error alone."""

    @abc.abstractmethod
    async def transaction(self, work: Callable[[Connection], T]) -> T:
        """Run ``work`` on a SQLAlchemy connection in one transaction, committed when it returns; its result.

        ``work`` is synchronous (on SQLite it runs on the writer thread) and must not touch anything but the
        connection. If it raises, nothing of it is written and the error reaches this caller only.
        """

    async def execute(self, *statements: Executable) -> None:
        """Cold write statements in one transaction."""

        def work(conn: Connection) -> None:
            for statement in statements:
                conn.execute(statement)

        await self.transaction(work)

    async def read(self, statement: Executable) -> Sequence[Row[Any]]:
        """All rows of a cold read, through SQLAlchemy."""
        async with self.engine.connect() as conn:
            return (await conn.execute(statement)).all()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    @abc.abstractmethod
    async def close(self) -> None:
        """Release connections and threads; waits for writes in flight."""


def open_database(url: str) -> Database:
    """The door for ``url``: SQLite (a file) or PostgreSQL."""
    if is_sqlite(url):
        from chatkit_host.server.store.sqlite import SQLiteDatabase

        return SQLiteDatabase(url)
    from chatkit_host.server.store.postgres import PostgresDatabase

    return PostgresDatabase(url)
