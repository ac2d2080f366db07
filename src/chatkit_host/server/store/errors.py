"""The one error the store raises for a write that breaks a rule of the data, whatever the database."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
from sqlalchemy.exc import IntegrityError


class StoreConflict(Exception):
    """A write that would break a uniqueness or ownership rule: nothing of it was written.

    For example an item id that already belongs to another thread, or a session whose secret hash exists.
    """


@contextmanager
def conflicts_as_store_errors() -> Iterator[None]:
    """Turn each driver's integrity error (stdlib sqlite3, asyncpg, SQLAlchemy) into :class:`StoreConflict`."""
    try:
        yield
    except (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError, IntegrityError) as exc:
        raise StoreConflict(str(exc)) from exc
