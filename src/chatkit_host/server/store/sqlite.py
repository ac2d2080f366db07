"""The door to a SQLite file: reads on the event loop, every write on ONE writer thread with group commit.

A SQLite file takes one writer at a time. Every write of this process (the store's hot statements, the
workflow store, attachment blobs, the attachment sweep, every :meth:`~SQLiteDatabase.transaction`) runs on the
one writer thread, on its one connection (datasette's ``execute_write_fn`` pattern: the work is a function run
on the writer's connection), so writers of the same process never race each other for the lock. The writer's
busy timeout only waits for other processes (``chatkit-host db`` commands, a migration) and the checkpointer.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import ClauseElement, Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from chatkit_host.server.store.database import Database, Statements
from chatkit_host.server.store.errors import INTEGRITY_ERRORS, StoreConflict
from chatkit_host.server.store.urls import async_url, sqlite_file

logger = logging.getLogger(__name__)

T = TypeVar("T")
_BUSY = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
#: One job for the writer thread: compiled statements, or a function of the writer's connection.
Work = Statements | Callable[[sqlite3.Connection], Any]
#: What one job came to: its result and None when it committed, else None and the error that rolled it back.
Outcome = tuple[Any, BaseException | None]


class SQLiteDatabase(Database):
    """Short statements through the stdlib driver: reads on the calling thread, writes on the writer thread.

    Each aiosqlite call is a round trip to a worker thread, and one statement through SQLAlchemy's async
    layer takes several. The reads sent to :meth:`fetch` are bounded by LIMIT on an index range and take tens
    of microseconds, less than one thread round trip, and WAL readers never wait for a writer, so they run on
    the event loop. Writes do not: a commit can run SQLite's automatic checkpoint (copying the WAL into the
    database file and syncing it), which measured up to ~140 ms on the event loop. They go to a dedicated
    thread instead, a batch at a time: the writes that arrive while one batch commits share the next
    transaction (group commit), each in its own savepoint so that a failing one rolls back only itself.
    Cold reads (:meth:`read`) go through SQLAlchemy's aiosqlite engine, whose connections cannot write.
    """

    dialect = "sqlite"

    def __init__(self, url: str) -> None:
        super().__init__(_read_engine(url))
        self.path = sqlite_file(url)
        self._local = threading.local()
        self._opened: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._writer_conn: sqlite3.Connection | None = None
        #: SQLAlchemy over the writer's connection, for :meth:`transaction` (created on the writer thread).
        self._writer_engine: Engine | None = None
        self._checkpointer: _Checkpointer | None = None

    def _connect(self, *, writer: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            isolation_level=None,
            check_same_thread=False,
            cached_statements=256,
            uri=self.path.startswith("file:"),
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        # The writer thread may wait for another process's writer or a RESTART checkpoint; a reader on the
        # event loop never waits: it retries on the async path (see fetch).
        conn.execute(f"PRAGMA busy_timeout={10_000 if writer else 0}")
        if writer:
            conn.execute("PRAGMA wal_autocheckpoint=0")  # the checkpointer thread does it (see _Checkpointer)
        else:
            conn.execute("PRAGMA query_only=ON")  # the writer thread is the only writer
        with self._lock:
            self._opened.append(conn)
        return conn

    async def fetch(
        self, key: Hashable, build: Callable[[], ClauseElement], values: dict[str, Any]
    ) -> Sequence[Sequence[Any]]:
        found = self._sql.get(key)
        sql, names, defaults = found if found is not None else self.compiled(key, build)
        params = [values[n] if n in values else defaults[n] for n in names]
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect(writer=False)
        try:
            return conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode not in _BUSY:
                raise
        # One of the rare moments a WAL reader is told to retry: the async path waits its turn.
        async with self.engine.connect() as async_conn:
            return (await async_conn.exec_driver_sql(sql, tuple(params))).all()

    async def write(self, statements: Statements) -> None:
        try:
            await self._submit(statements)
        except INTEGRITY_ERRORS as exc:
            raise StoreConflict(str(exc)) from exc

    async def transaction(self, work: Callable[[Connection], T]) -> T:
        try:
            result: T = await self._submit(partial(self._on_writer_engine, work))
        except INTEGRITY_ERRORS as exc:
            raise StoreConflict(str(exc)) from exc
        return result

    def _on_writer_engine(self, work: Callable[[Connection], T], _conn: sqlite3.Connection) -> T:
        assert self._writer_engine is not None  # made with the writer connection that runs this
        with self._writer_engine.connect() as conn:
            return work(conn)

    def _submit(self, work: Work) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        queue: _WriteQueue | None = getattr(self._local, "queue", None)
        if queue is None:
            queue = self._local.queue = _WriteQueue(self, loop)
        queue.add(work, future)
        return future

    def _writer_connection(self) -> sqlite3.Connection:
        conn = self._writer_conn
        if conn is None:
            conn = self._writer_conn = self._connect(writer=True)
            handle = _WriterHandle(conn)
            self._writer_engine = create_engine("sqlite://", creator=lambda: handle, poolclass=StaticPool)
        return conn

    def commit_batch(self, batch: Sequence[Work]) -> list[Outcome]:
        """On the writer thread: every job of ``batch`` in one transaction, each rolled back alone if it fails.

        Whatever a job raises (an integrity error, or an OverflowError binding an integer SQLite cannot hold),
        only that job fails. If SQLite itself rolled the whole transaction back under a job (I/O error, disk
        full), that job fails and the others run again, in a new transaction, without it. Only a BEGIN or
        COMMIT that fails fails the whole batch.
        """
        outcomes: list[Outcome] = [(None, None)] * len(batch)
        pending = list(range(len(batch)))
        while pending:
            conn = self._writer_connection()  # anew each round: _roll_back may have replaced it
            current = -1
            try:
                conn.execute("BEGIN IMMEDIATE")
                for current in pending:
                    outcomes[current] = _run_one(conn, batch[current])
                conn.execute("COMMIT")
            except _TransactionLost as lost:
                self._roll_back(conn)
                outcomes[current] = (None, lost.error)
                pending.remove(current)
                continue
            except BaseException as exc:
                self._roll_back(conn)
                if not isinstance(exc, Exception):
                    raise  # the queue fails every caller of the batch with it
                for index in pending:
                    outcomes[index] = (None, exc)
                return outcomes
            break
        if self._checkpointer is None:
            self._checkpointer = _Checkpointer(self.path, delay=0.05, restart_frames=2000)
        self._checkpointer.wrote()
        return outcomes

    def _roll_back(self, conn: sqlite3.Connection) -> None:
        """Leave no transaction open for the next batch; a connection that cannot roll back is replaced."""
        try:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
        except sqlite3.Error:
            logger.warning("the SQLite writer could not roll back; reconnecting", exc_info=True)
            if self._writer_engine is not None:
                self._writer_engine.dispose()
            self._writer_conn = self._writer_engine = None
            conn.close()

    async def close(self) -> None:
        self._writer.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.stop()
            self._checkpointer = None
        if self._writer_engine is not None:
            self._writer_engine.dispose()
            self._writer_engine = None
        self._writer_conn = None
        with self._lock:
            opened, self._opened = self._opened, []
        for conn in opened:
            conn.close()
        self._local = threading.local()
        await self.engine.dispose()


class _TransactionLost(Exception):
    """A job failed and SQLite rolled back the whole batch's transaction with it."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _run_one(conn: sqlite3.Connection, work: Work) -> Outcome:
    """One job inside the batch's transaction: its result, or its error if it failed alone."""
    statements = not callable(work)
    # A failing statement undoes only itself (SQLite's default ABORT), and the other errors of one statement
    # (OverflowError, ProgrammingError) come while binding it, before it runs: one statement needs no savepoint.
    savepoint = not statements or len(work) != 1  # type: ignore[arg-type]
    if savepoint:
        conn.execute("SAVEPOINT one_write")
    try:
        if callable(work):
            result = work(conn)
        else:
            result = None
            for sql, params in work:
                conn.execute(sql, params)
    except Exception as exc:
        if not conn.in_transaction:
            raise _TransactionLost(exc) from exc
        if savepoint:
            conn.execute("ROLLBACK TO one_write")
            conn.execute("RELEASE one_write")
        return None, exc
    if savepoint:
        conn.execute("RELEASE one_write")
    return result, None


class _WriteQueue:
    """One event loop's writes waiting for the writer thread; one batch is in flight at a time."""

    def __init__(self, database: SQLiteDatabase, loop: asyncio.AbstractEventLoop) -> None:
        self.database = database
        self.loop = loop
        self.pending: list[tuple[Work, asyncio.Future[Any]]] = []
        self.in_flight = False

    def add(self, work: Work, future: asyncio.Future[Any]) -> None:
        self.pending.append((work, future))
        if not self.in_flight:
            self.in_flight = True
            # One turn of the loop first, so the writes of requests that arrived together share the batch.
            self.loop.call_soon(self._submit)

    def _submit(self) -> None:
        batch, self.pending = self.pending, []
        database = self.database
        done = self.loop.run_in_executor(database._writer, database.commit_batch, [w for w, _ in batch])
        done.add_done_callback(lambda finished: self._settle(batch, finished))

    def _settle(self, batch: list[tuple[Work, asyncio.Future[Any]]], finished: asyncio.Future[list[Outcome]]) -> None:
        error = finished.exception()
        outcomes = [(None, error)] * len(batch) if error is not None else finished.result()
        for (_, future), (result, failure) in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if failure is None:
                future.set_result(result)
            else:
                future.set_exception(failure)
        if self.pending:
            self._submit()
        else:
            self.in_flight = False


class _WriterHandle:
    """The writer's connection as SQLAlchemy sees it in :meth:`SQLiteDatabase.transaction`.

    The batch owns the transaction (BEGIN IMMEDIATE, a savepoint per job, COMMIT), so SQLAlchemy's commit and
    rollback (on leaving a connection, on returning it to the pool) must not end it: here they do nothing.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass


def _read_engine(url: str) -> AsyncEngine:
    """SQLAlchemy's engine for cold reads: a small pool whose connections never write (``query_only``)."""
    engine = create_async_engine(async_url(url), pool_size=4, max_overflow=4)
    event.listen(engine.sync_engine, "connect", _reader_pragmas)
    return engine


def _reader_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()


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
        conn = sqlite3.connect(
            self.path, isolation_level=None, check_same_thread=False, uri=self.path.startswith("file:")
        )
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
