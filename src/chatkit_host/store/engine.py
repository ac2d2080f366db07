"""Database engines chosen by URL: SQLite (WAL, one writer) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

logger = logging.getLogger(__name__)


def async_url(url: str) -> str:
    """Map the URL a user gives (``sqlite:///x.db``, ``postgresql://...``) onto an async driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return str(parsed.set(drivername="sqlite+aiosqlite"))
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)
    raise ValueError(f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://...")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_Write = tuple[Sequence[tuple[str, Sequence[Any]]], "asyncio.Future[bool]"]


def _settle(future: asyncio.Future[bool], outcome: bool | BaseException) -> None:
    if future.done():
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


class _Checkpointer:
    """Copies the WAL back into the database file on its own thread, shortly after writes.

    SQLite's automatic checkpoint runs inside whichever commit crosses the threshold (1,000 pages), and
    with the fast path that commit happens on the event loop: measured, it stalls every request for up to
    ~140 ms and makes the average commit ~4x dearer. A PASSIVE checkpoint from another connection neither
    blocks nor waits for readers and writers, and the driver releases the GIL while SQLite works.
    """

    def __init__(self, path: str, delay: float) -> None:
        self.path = path
        self.delay = delay
        self._dirty = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def wrote(self) -> None:
        self._dirty.set()

    def stop(self) -> None:
        self._stopping.set()
        self._dirty.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout=1000")
            while not self._stopping.is_set():
                self._dirty.wait()
                # Let a burst of commits finish first: one checkpoint then moves all of their pages.
                self._stopping.wait(self.delay)
                self._dirty.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error:
                    logger.warning("WAL checkpoint failed; the next write retries it", exc_info=True)
        finally:
            conn.close()


class SQLiteDirect:
    """Short statements on a SQLite file, run through the stdlib driver on the calling thread.

    Each aiosqlite call is a round trip to a worker thread, and one statement through SQLAlchemy's async
    layer takes several. The statements sent here are reads bounded by LIMIT on an index range and
    single-row writes, which take tens of microseconds: less than one thread round trip. WAL readers never
    wait for a writer, and a write only proceeds if the lock is free right now (see :meth:`write`), so
    nothing here can stall the event loop behind another transaction.
    """

    def __init__(self, path: str, checkpoint_delay: float = 0.2) -> None:
        self.path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._checkpoint_delay = checkpoint_delay
        self._checkpointer: _Checkpointer | None = None

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, cached_statements=256)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # No waiting: a busy write lock means "take the queued path", decided by the caller.
        conn.execute("PRAGMA busy_timeout=0")
        # Commits here run on the event loop; the checkpointer thread does SQLite's checkpoints instead.
        conn.execute("PRAGMA wal_autocheckpoint=0")
        with self._lock:
            self._opened.append(conn)
            if self._checkpointer is None:
                self._checkpointer = _Checkpointer(self.path, self._checkpoint_delay)
        return conn

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Any] | None:
        """The rows, or None in the rare moments a WAL reader is told to retry (the caller goes async)."""
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode in _BUSY:
                return None
            raise

    async def write(self, statements: Sequence[tuple[str, Sequence[Any]]]) -> bool:
        """Run ``statements`` atomically; False (nothing done) if another connection holds the write lock.

        The commit is most of a small write's cost, so the writes queued during one turn of the event loop
        share one transaction (group commit), each in its own savepoint so that a failing one rolls back
        only itself. Callers return only after the shared commit.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[bool] = loop.create_future()
        pending: list[_Write] | None = getattr(self._local, "pending", None)
        if pending is None:
            pending = self._local.pending = []
        pending.append((statements, future))
        if len(pending) == 1:
            loop.call_soon(self._flush)
        return await future

    def _flush(self) -> None:
        batch: list[_Write] = self._local.pending
        self._local.pending = []
        conn = self._connection()
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            busy = isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode in _BUSY
            for _, future in batch:
                _settle(future, False if busy else exc)
            return
        written: list[asyncio.Future[bool]] = []
        try:
            for statements, future in batch:
                if len(statements) == 1:
                    # A failing statement undoes only itself (SQLite's default ABORT), so no savepoint.
                    try:
                        conn.execute(*statements[0])
                    except sqlite3.Error as exc:
                        _settle(future, exc)
                    else:
                        written.append(future)
                    continue
                conn.execute("SAVEPOINT one_write")
                try:
                    for sql, params in statements:
                        conn.execute(sql, params)
                except sqlite3.Error as exc:
                    conn.execute("ROLLBACK TO one_write")
                    _settle(future, exc)
                else:
                    written.append(future)
                conn.execute("RELEASE one_write")
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for future in written:
                _settle(future, exc)
            for _, future in batch:
                _settle(future, exc)
            if not isinstance(exc, Exception):
                raise
            return
        for future in written:
            _settle(future, True)
        if self._checkpointer is not None:
            self._checkpointer.wrote()

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
            checkpointer, self._checkpointer = self._checkpointer, None
        if checkpointer is not None:
            checkpointer.stop()
        for conn in opened:
            conn.close()
        self._local = threading.local()


class PostgresDirect:
    """Hot statements on PostgreSQL straight through an asyncpg pool, one round trip each.

    Through SQLAlchemy's DBAPI adapter a read costs three round trips (BEGIN, the query, and the ROLLBACK
    when the connection returns to the pool); a single statement in autocommit needs one, with asyncpg's
    prepared-statement cache doing the rest.
    """

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._pool: Any = None
        self._lock = asyncio.Lock()

    async def _get_pool(self) -> Any:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    import asyncpg

                    self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=10)
        return self._pool

    async def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Any]:
        pool = await self._get_pool()
        rows: list[Any] = await pool.fetch(sql, *params)
        return rows

    async def execute(self, sql: str, params: Sequence[Any]) -> None:
        pool = await self._get_pool()
        await pool.execute(sql, *params)

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


@dataclass
class Engines:
    """A reader and a writer; on PostgreSQL both are the same pooled engine."""

    read: AsyncEngine
    write: AsyncEngine
    dialect: str
    #: The fast path for hot statements on a SQLite file; None on PostgreSQL and in-memory SQLite.
    direct: SQLiteDirect | None = field(default=None)
    #: The same for PostgreSQL; None on SQLite.
    pg_direct: PostgresDirect | None = field(default=None)

    async def dispose(self) -> None:
        if self.direct is not None:
            self.direct.close()
        if self.pg_direct is not None:
            await self.pg_direct.close()
        await self.read.dispose()
        if self.write is not self.read:
            await self.write.dispose()


def _sqlite_pragmas(immediate: bool) -> Any:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below issue BEGIN itself, so writes can take the lock up front.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    return on_connect


def create_engines(url: str) -> Engines:
    driver_url = async_url(url)
    if is_sqlite(url):
        # All writes go through one connection with BEGIN IMMEDIATE, so writers queue in process instead of
        # failing with "database is locked"; reads use their own small pool and never block on the writer.
        write = create_async_engine(driver_url, pool_size=1, max_overflow=0, pool_timeout=30)
        read = create_async_engine(driver_url, pool_size=4, max_overflow=4)
        for engine, begin in ((write, "BEGIN IMMEDIATE"), (read, "BEGIN")):
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas(begin == "BEGIN IMMEDIATE"))

            def on_begin(conn: Any, _begin: str = begin) -> None:
                conn.exec_driver_sql(_begin)

            event.listen(engine.sync_engine, "begin", on_begin)
        path = make_url(url).database
        direct = SQLiteDirect(path) if path and path != ":memory:" and not path.startswith("file:") else None
        return Engines(read=read, write=write, dialect="sqlite", direct=direct)
    engine = create_async_engine(driver_url, pool_size=10, max_overflow=10, pool_pre_ping=False)
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    return Engines(read=engine, write=engine, dialect="postgresql", pg_direct=PostgresDirect(dsn))


def create_migration_engine(url: str) -> AsyncEngine:
    engine = create_async_engine(async_url(url), poolclass=NullPool)
    if is_sqlite(url):
        # The first connection to a new file is this one: WAL is a property of the file, so set it here.
        event.listen(engine.sync_engine, "connect", _enable_wal)
    return engine


def _enable_wal(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
