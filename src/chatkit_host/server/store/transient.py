"""Which store errors are worth trying again: the database was unreachable, restarting or busy for a moment.

A conflict (``StoreConflict``) or a bad statement is not: it would fail the same way again.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from chatkit_host.server.store.errors import StoreConflict

logger = logging.getLogger(__name__)
T = TypeVar("T")

#: Pauses between attempts of :func:`retrying`: about 16 s in all, which outlasts a PostgreSQL restart or
#: failover (the 8 s outage of issue 14 included) and bounds how long a finished answer waits to be saved.
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0)

_TRANSIENT = (
    OperationalError,  # SQLAlchemy's wrapper of every driver's "could not connect / connection lost"
    InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    sqlite3.OperationalError,  # "database is locked" past the busy timeout, disk I/O hiccups
    ConnectionError,
    TimeoutError,
    OSError,
)
#: SQLSTATE classes and codes of a database that is unreachable or briefly unable: connection exceptions,
#: insufficient resources (too many connections), operator intervention (shutdown, starting up), and a
#: serialization failure or deadlock (the transaction can simply run again).
_SQLSTATE_PREFIXES = ("08", "53", "57", "40001", "40P01")


def _causes(exc: BaseException) -> list[BaseException]:
    """The error and what it wraps: SQLAlchemy's ``orig`` and the ``__cause__`` chain (drivers nest them)."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in found and len(found) < 8:
        found.append(current)
        orig = getattr(current, "orig", None)
        current = orig if isinstance(orig, BaseException) and orig not in found else current.__cause__
    return found


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` says the database was unreachable or briefly unable, rather than the work being wrong."""
    if isinstance(exc, StoreConflict):
        return False
    for cause in _causes(exc):
        if isinstance(cause, DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, _TRANSIENT):
            return True
        state = getattr(cause, "sqlstate", None)
        if isinstance(state, str) and state.startswith(_SQLSTATE_PREFIXES):
            return True
        # 55000 is also "object not in prerequisite state" in general: only this message means a database
        # that refuses connections for now (ALLOW_CONNECTIONS false during maintenance, or while it is set up).
        if state == "55000" and "not currently accepting connections" in str(cause):
            return True
    return False


async def retrying(work: Callable[[], Awaitable[T]], what: str, delays: Sequence[float] = RETRY_DELAYS) -> T:
    """``await work()``, again after each pause of ``delays`` while it fails transiently; the last error else."""
    for attempt, pause in enumerate((*delays, None)):
        try:
            return await work()
        except Exception as exc:
            if pause is None or not is_transient(exc):
                raise
            logger.warning("%s failed (attempt %d), retrying in %.2f s: %s", what, attempt + 1, pause, exc)
            await asyncio.sleep(pause)
    raise AssertionError("unreachable")
