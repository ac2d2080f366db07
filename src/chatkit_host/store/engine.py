"""Database engines chosen by URL: SQLite (WAL, one writer) or PostgreSQL (asyncpg)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool


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


@dataclass
class Engines:
    """A reader and a writer; on PostgreSQL both are the same pooled engine."""

    read: AsyncEngine
    write: AsyncEngine
    dialect: str

    async def dispose(self) -> None:
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
        return Engines(read=read, write=write, dialect="sqlite")
    engine = create_async_engine(driver_url, pool_size=10, max_overflow=10, pool_pre_ping=False)
    return Engines(read=engine, write=engine, dialect="postgresql")


def create_migration_engine(url: str) -> AsyncEngine:
    return create_async_engine(async_url(url), poolclass=NullPool)
