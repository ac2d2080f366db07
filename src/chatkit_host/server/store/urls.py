"""What a database URL names: its async driver, whether it is SQLite (and which file), the migration engine."""

from __future__ import annotations

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


def sqlite_file(url: str) -> str:
    """The file a SQLite URL names. In-memory databases are refused: the store's writer thread and its readers
    each open their own connection, and every connection to ``:memory:`` is a database of its own."""
    path = make_url(url).database
    if not path or path == ":memory:" or "mode=memory" in path:
        raise ValueError(f"unsupported database URL {url!r}: SQLite needs a file (sqlite:///PATH)")
    return path


def postgres_dsn(url: str) -> str:
    """The URL as asyncpg takes it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


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
