"""Persistence: one store over SQLAlchemy Core for SQLite and PostgreSQL, migrated by Alembic."""

from chatkit_host.server.store.claims import AttachmentUnavailable
from chatkit_host.server.store.errors import StoreConflict
from chatkit_host.server.store.records import (
    AttachmentRecord,
    FeedbackRecord,
    ItemRecord,
    Order,
    Page,
    SessionRecord,
    ThreadRecord,
)
from chatkit_host.server.store.statements import THREAD_ROW_COLUMNS
from chatkit_host.server.store.store import Store

__all__ = [
    "THREAD_ROW_COLUMNS",
    "AttachmentRecord",
    "AttachmentUnavailable",
    "FeedbackRecord",
    "ItemRecord",
    "Order",
    "Page",
    "SessionRecord",
    "Store",
    "StoreConflict",
    "ThreadRecord",
]
