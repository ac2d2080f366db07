"""The one query of attachment garbage collection: remove a batch of attachments that were never sent.

An attachment gets its ``thread_id`` in the same transaction that saves the user message naming it
(``runtime/core.py``'s message prelude), so ``thread_id IS NULL`` means "no message refers to it": no item JSON
needs scanning, and ``ix_attachments_thread_id`` finds those rows without reading the sent ones.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from chatkit_host.server.store import AttachmentRecord, Store, schema


async def delete_unsent(store: Store, created_before: float, limit: int) -> list[AttachmentRecord]:
    """Delete up to ``limit`` attachments in no thread and created before ``created_before``; return them.

    Safe to run from several replicas at once: the delete checks the condition again on each row (PostgreSQL
    re-evaluates it after waiting for a concurrent writer, SQLite has one writer), so a row that a message
    claimed meanwhile, or that another sweep removed, is left out. Only the caller that deleted a row gets it
    back, so its bytes are removed once.
    """
    table = schema.attachments
    unsent = (table.c.thread_id.is_(None), table.c.created_at < created_before)
    async with store.engines.write.begin() as conn:
        # Two statements rather than DELETE ... IN (SELECT ...): SQLite would then scan every unsent row for the
        # outer condition instead of looking the batch up by primary key.
        found = (await conn.execute(select(table.c.id).where(*unsent).limit(limit))).scalars().all()
        if not found:
            return []
        statement = delete(table).where(table.c.id.in_(found), *unsent).returning(*table.c)
        rows = (await conn.execute(statement)).all()
    return [AttachmentRecord(**dict(row._mapping)) for row in rows]
