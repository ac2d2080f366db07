"""The one error the store raises for a write that breaks a rule of the data, whatever the database."""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy.exc import IntegrityError


class StoreConflict(Exception):
    """A write that would break a uniqueness or ownership rule: nothing of it was written.

    For example an item id that already belongs to another thread, or a session whose secret hash exists.
    """


#: Each driver's integrity error (stdlib sqlite3, asyncpg, SQLAlchemy): the database doors
#: (``database.py``) turn every one of them into :class:`StoreConflict` before a caller sees it.
INTEGRITY_ERRORS = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError, IntegrityError)
