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
    OperationalError,
    InterfaceError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    sqlite3.OperationalError,
    ConnectionError,
    TimeoutError,
    OSError,
)


def is_transient(exc: BaseException) -> bool:
    if isinstance(exc, StoreConflict):
        return False
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, _TRANSIENT)


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
