"""Database engines chosen by URL: SQLite (WAL, one writer) or PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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
Statements = Sequence[tuple[str, Sequence[Any]]]
#: What one write came to: None when it committed, else the error that rolled it back.
Outcome = BaseException | None


class _Checkpointer:
    """Copies committed WAL frames into the database file on its own connection and thread, soon after writes.

    SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages and syncs them to
    disk there: measured, 20-240 ms during which no other write commits. The writer connection has it off;
    instead this thread runs a PASSIVE checkpoint shortly after writes (it waits for nobody and nobody waits
    for it). PASSIVE alone never catches up with a steady stream of commits, so the log would only grow;
    once it passes ``restart_frames`` a RESTART checkpoint copies the few frames left and lets the next
    write start the log from the beginning: it holds writers back only for that remainder and a sync.
    """

    def __init__(self, path: str, delay: float, restart_frames: int) -> None:
        self.path = path
        self.delay = delay
        self.restart_frames = restart_frames
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
                self._stopping.wait(self.delay)  # let a burst of commits land, then copy them in one go
                self._dirty.clear()
                try:
                    self._checkpoint(conn)
                except sqlite3.Error:
                    logger.warning("WAL checkpoint failed; the next write retries it", exc_info=True)
            self._checkpoint(conn)
        finally:
            conn.close()

    def _checkpoint(self, conn: sqlite3.Connection) -> None:
        _, log_frames, _ = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if log_frames >= self.restart_frames:
            conn.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()


class SQLiteDirect:
    """Short statements on a SQLite file through the stdlib driver: reads on the calling thread, writes on one
    writer thread with group commit.

    Each aiosqlite call is a round trip to a worker thread, and one statement through SQLAlchemy's async
    layer takes several. The reads sent here are bounded by LIMIT on an index range and take tens of
    microseconds, less than one thread round trip, and WAL readers never wait for a writer, so they run on
    the event loop. Writes do not: a commit can run SQLite's automatic checkpoint (copying the WAL into the
    database file and syncing it), which measured up to ~140 ms on the event loop. They go to a dedicated
    thread instead, a batch at a time: the writes that arrive while one batch commits share the next
    transaction (group commit), each in its own savepoint so that a failing one rolls back only itself.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._checkpointer: _Checkpointer | None = None

    def _connect(self, *, writer: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, cached_statements=256)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # The writer thread may wait for another writer (the SQLAlchemy engine, another process, a RESTART
        # checkpoint); a reader on the event loop never waits: it retries on the async path (see fetch_all).
        conn.execute(f"PRAGMA busy_timeout={10_000 if writer else 0}")
        if writer:
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it (see _Checkpointer)
        with self._lock:
            self._opened.append(conn)
        return conn

    def _connection(self, *, writer: bool = False) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect(writer=writer)
        return conn

    def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Any] | None:
        """The rows, or None in the rare moments a WAL reader is told to retry (the caller goes async)."""
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode in _BUSY:
                return None
            raise

    async def write(self, statements: Statements) -> None:
        """Run ``statements`` atomically; returns once they are committed, or raises their own error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        queue: _WriteQueue | None = getattr(self._local, "queue", None)
        if queue is None:
            queue = self._local.queue = _WriteQueue(self, loop)
        queue.add(statements, future)
        await future

    def commit_batch(self, batch: Sequence[Statements]) -> list[Outcome]:
        """On the writer thread: every write of ``batch`` in one transaction, each rolled back alone if it fails."""
        conn = self._connection(writer=True)
        outcomes: list[Outcome] = []
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statements in batch:
                outcomes.append(_run_one(conn, statements))
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            return [exc] * len(batch)
        if self._checkpointer is None:
            self._checkpointer = _Checkpointer(self.path, delay=0.05, restart_frames=2000)
        self._checkpointer.wrote()
        return outcomes

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._local = threading.local()


def _run_one(conn: sqlite3.Connection, statements: Statements) -> Outcome:
    """One write inside the batch's transaction: its error if it failed alone, raised if it lost the batch."""
    single = len(statements) == 1
    # A failing statement undoes only itself (SQLite's default ABORT), so one statement needs no savepoint.
    if not single:
        conn.execute("SAVEPOINT one_write")
    try:
        for sql, params in statements:
            conn.execute(sql, params)
    except sqlite3.Error as exc:
        if not conn.in_transaction:  # SQLite rolled the whole transaction back (I/O error, disk full, ...)
            raise
        if not single:
            conn.execute("ROLLBACK TO one_write")
            conn.execute("RELEASE one_write")
        return exc
    if not single:
        conn.execute("RELEASE one_write")
    return None


class _WriteQueue:
    """One event loop's writes waiting for the writer thread; one batch is in flight at a time."""

    def __init__(self, direct: SQLiteDirect, loop: asyncio.AbstractEventLoop) -> None:
        self.direct = direct
        self.loop = loop
        self.pending: list[tuple[Statements, asyncio.Future[None]]] = []
        self.in_flight = False

    def add(self, statements: Statements, future: asyncio.Future[None]) -> None:
        self.pending.append((statements, future))
        if not self.in_flight:
            self.in_flight = True
            # One turn of the loop first, so the writes of requests that arrived together share the batch.
            self.loop.call_soon(self._submit)

    def _submit(self) -> None:
        batch, self.pending = self.pending, []
        done = self.loop.run_in_executor(self.direct._writer, self.direct.commit_batch, [s for s, _ in batch])
        done.add_done_callback(lambda finished: self._settle(batch, finished))

    def _settle(
        self, batch: list[tuple[Statements, asyncio.Future[None]]], finished: asyncio.Future[list[Outcome]]
    ) -> None:
        error = finished.exception()
        outcomes = [error] * len(batch) if error is not None else finished.result()
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if outcome is None:
                future.set_result(None)
            else:
                future.set_exception(outcome)
        if self.pending:
            self._submit()
        else:
            self.in_flight = False


async def _session_state_untouched(_connection: Any) -> None:
    return None


class PostgresDirect:
    """Hot statements on PostgreSQL straight through an asyncpg pool.

    Through SQLAlchemy's DBAPI adapter a read costs three round trips (BEGIN, the query, and the ROLLBACK
    when the connection returns to the pool); a single statement in autocommit needs one, with asyncpg's
    prepared-statement cache doing the rest. Writes of the same statement issued during one turn of the
    event loop (32 clients creating sessions at once) go as one ``executemany``: one round trip and one
    commit for all of them (group commit, as on SQLite).
    """

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn
        self._pool: Any = None
        self._lock = asyncio.Lock()
        self._pending: dict[str, list[tuple[Sequence[Any], asyncio.Future[None]]]] = {}
        self._batches: set[asyncio.Future[None]] = set()

    async def _get_pool(self) -> Any:
        if self._pool is None:
            async with self._lock:
                if self._pool is None:
                    import asyncpg

                    # Statements here are single autocommit statements that leave no session state behind, so the
                    # pool's default reset on release (advisory unlocks, CLOSE ALL, UNLISTEN, RESET ALL: one
                    # more round trip per statement) has nothing to undo; an open transaction would still be
                    # rolled back by asyncpg before this hook runs.
                    self._pool = await asyncpg.create_pool(
                        self.dsn, min_size=1, max_size=10, reset=_session_state_untouched
                    )
        return self._pool

    async def fetch_all(self, sql: str, params: Sequence[Any]) -> list[Any]:
        pool = await self._get_pool()
        rows: list[Any] = await pool.fetch(sql, *params)
        return rows

    async def execute(self, sql: str, params: Sequence[Any]) -> None:
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

    async def _execute_batch(self, sql: str, batch: list[tuple[Sequence[Any], asyncio.Future[None]]]) -> None:
        try:
            pool = await self._get_pool()
            async with pool.acquire() as conn:
                if len(batch) == 1:
                    await conn.execute(sql, *batch[0][0])
                else:
                    try:
                        await conn.executemany(sql, [params for params, _ in batch])  # atomic: all or none
                    except Exception:
                        # One of them failed and took the others' commit with it: run them one by one so
                        # that each caller gets its own outcome.
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
