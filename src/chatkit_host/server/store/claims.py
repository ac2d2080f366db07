"""Attachment decisions taken atomically in the database: the session's file limit, the upload claim, the thread.

Each function here is the ``work`` of one :meth:`Database.transaction` (synchronous, on a SQLAlchemy connection),
so the check and the change are one database decision however many requests, processes or replicas race:

- **the file limit** (:func:`insert_within_limit`): the count and the insert are one ``INSERT ... SELECT ...
  WHERE (SELECT count(*) ...) < :max`` (rowcount 0: the session is full). On its own that statement is not
  enough on PostgreSQL: under READ COMMITTED two transactions each count on their own snapshot, neither sees
  the other's uncommitted row, and both insert. So the transaction first locks the session's row
  (``SELECT ... FOR UPDATE``): the second inserter waits for the first to commit, and its ``INSERT`` (READ
  COMMITTED takes a new snapshot per statement) then counts the first one's row. The lock lives in the
  database, so it holds across replicas, which an in-process lock would not. A counter column
  (``UPDATE sessions SET files = files + 1 WHERE files < max``) would hold too, but every path that removes an
  attachment (delete, thread delete, the unsent-attachment sweep) would then have to decrement it in step; the
  lock keeps "the attachments that exist" as the one truth. On SQLite the row lock compiles to nothing: the
  transaction is ``BEGIN IMMEDIATE`` on the one writer, which holds the database's write lock from the first
  statement, across processes too (``serve --workers``).
- **the upload claim** (:func:`claim_upload`, :func:`finish_upload`, :func:`release_upload`): an upload sets
  ``upload_started_at`` with a conditional update before it takes any bytes; only the claimant can then record
  the bytes (``WHERE upload_started_at = :its claim AND storage_key IS NULL``), so one attachment stores bytes
  once and a late or displaced uploader knows to delete its own.
- **the thread** (:func:`send_attachments`): ``UPDATE attachments SET thread_id = :t WHERE id = :id AND
  (thread_id IS NULL OR thread_id = :t) AND storage_key IS NOT NULL`` in the same transaction as the message that
  names it; rowcount 0 rolls the message back. PostgreSQL re-checks the condition on a row a concurrent
  transaction changed (after waiting for it), so two threads cannot both win one attachment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, insert, literal, or_, select, update
from sqlalchemy import delete as delete_from

from chatkit_host.server.store import schema
from chatkit_host.server.store.records import AttachmentRecord, ItemRecord, ThreadRecord
from chatkit_host.server.store.statements import thread_values, upsert_clause

#: A claim older than this (seconds) is taken to be a dead process's and may be taken over. Generous: a legitimate
#: 512 MB upload at 1 MB/s takes under 9 minutes, and the body read timeout ends a stalled one long before.
STALE_CLAIM_SECONDS = 3600.0


class AttachmentUnavailable(Exception):
    """An attachment a message names was deleted, sent into another thread, or has no bytes: nothing was written."""

    def __init__(self, attachment_id: str) -> None:
        super().__init__(f"attachment {attachment_id} is not available to this thread")
        self.attachment_id = attachment_id


def insert_within_limit(conn: Connection, record: AttachmentRecord, max_files: int) -> bool:
    """Insert ``record`` unless its session has ``max_files`` attachments already; whether it was inserted."""
    table = schema.attachments
    sessions = schema.sessions
    # Serialises the session's inserters on PostgreSQL (see the module docstring); nothing on SQLite.
    conn.execute(select(sessions.c.id).where(sessions.c.id == record.session_id).with_for_update())
    count = select(func.count()).select_from(table).where(table.c.session_id == record.session_id)
    values = record.__dict__
    row = select(*(literal(values[c.name], type_=c.type).label(c.name) for c in table.c)).where(
        count.scalar_subquery() < max_files
    )
    result = conn.execute(insert(table).from_select([c.name for c in table.c], row))
    return result.rowcount == 1


def claim_upload(conn: Connection, attachment_id: str, now: float) -> bool:
    """Claim the attachment for an upload starting ``now``: no bytes yet and no live claim; whether it was won."""
    table = schema.attachments
    free = or_(table.c.upload_started_at.is_(None), table.c.upload_started_at < now - STALE_CLAIM_SECONDS)
    where = (table.c.id == attachment_id, table.c.storage_key.is_(None), free)
    return conn.execute(update(table).where(*where).values(upload_started_at=now)).rowcount == 1


def finish_upload(
    conn: Connection, attachment_id: str, claimed_at: float, size: int, key: str, *, direct: bool = False
) -> bool:
    """Record the bytes of the upload that claimed the attachment at ``claimed_at``; False if it lost the claim.

    A direct upload's row was reserved before its size was known: its declared size is what arrived."""
    table = schema.attachments
    where = (table.c.id == attachment_id, table.c.storage_key.is_(None), table.c.upload_started_at == claimed_at)
    changes: dict[str, Any] = {"size": size, "storage_key": key, "upload_started_at": None}
    if direct:
        changes["declared_size"] = size
    return conn.execute(update(table).where(*where).values(**changes)).rowcount == 1


def release_upload(conn: Connection, attachment_id: str, claimed_at: float) -> None:
    """Give the claim back after a failed upload, so the attachment can be uploaded again."""
    table = schema.attachments
    where = (table.c.id == attachment_id, table.c.storage_key.is_(None), table.c.upload_started_at == claimed_at)
    conn.execute(update(table).where(*where).values(upload_started_at=None))


def delete(conn: Connection, attachment_id: str) -> AttachmentRecord | None:
    """Delete an attachment and return the row as it was when deleted (its bytes' key is the one to remove, even
    if an upload finished after the caller last read it)."""
    table = schema.attachments
    row = conn.execute(delete_from(table).where(table.c.id == attachment_id).returning(*table.c)).first()
    return AttachmentRecord(**dict(row._mapping)) if row is not None else None


def delete_without_bytes(conn: Connection, attachment_id: str) -> None:
    """Remove a reserved attachment whose direct upload failed (only while it has no bytes)."""
    table = schema.attachments
    conn.execute(delete_from(table).where(table.c.id == attachment_id, table.c.storage_key.is_(None)))


def send_attachments(conn: Connection, attachments: Sequence[AttachmentRecord]) -> None:
    """Bind each attachment to the thread its record names, or raise :class:`AttachmentUnavailable`."""
    table = schema.attachments
    for record in attachments:
        mine = or_(table.c.thread_id.is_(None), table.c.thread_id == record.thread_id)
        where: Any = and_(table.c.id == record.id, table.c.storage_key.is_not(None), mine)
        if conn.execute(update(table).where(where).values(thread_id=record.thread_id)).rowcount != 1:
            raise AttachmentUnavailable(record.id)


def save_message(
    conn: Connection,
    dialect: str,
    thread: ThreadRecord | None,
    attachments: Sequence[AttachmentRecord],
    items: Sequence[ItemRecord],
    *,
    touch_thread_at: float | None,
) -> None:
    """``Store.save_records`` with attachments: the thread, the attachments sent into it and the items, or nothing.

    The thread goes first (an attachment's ``thread_id`` references it); a failed claim rolls everything back."""
    if thread is not None:
        conn.execute(upsert_clause(dialect, schema.threads, thread_values(thread)))
    send_attachments(conn, attachments)
    for item in items:
        conn.execute(upsert_clause(dialect, schema.items, item.__dict__))
    if touch_thread_at is not None and items:
        threads = schema.threads
        conn.execute(update(threads).where(threads.c.id == items[0].thread_id).values(updated_at=touch_thread_at))
