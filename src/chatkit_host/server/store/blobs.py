"""Attachment bytes in the database, so that every replica reads what any replica received.

One row per stored file in ``file_blob_keys`` and its bytes in ``file_blobs``, cut into numbered chunks. Each
chunk is its own short transaction: one upload never holds the SQLite writer or a PostgreSQL connection for as
long as a slow client takes to send it. A file is complete once its ``size`` is set, by the last write of an
upload; readers treat a key without a size as absent, so nobody sees half an upload. An upload that fails
removes its rows; one cut short by a crash leaves a key without a size, which :func:`delete_incomplete` removes.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    delete,
    func,
    insert,
    select,
    text,
    update,
)

from chatkit_host.server.store.database import Database
from chatkit_host.server.store.schema import metadata

file_blob_keys = Table(
    "file_blob_keys",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("size", BigInteger),  # NULL while the upload is in progress
    Column("created_at", Float, nullable=False),
    Index(
        "ix_file_blob_keys_unfinished",
        "created_at",
        postgresql_where=text("size IS NULL"),
        sqlite_where=text("size IS NULL"),
    ),
)

file_blobs = Table(
    "file_blobs",
    metadata,
    Column("key", String(64), ForeignKey("file_blob_keys.key", ondelete="CASCADE"), primary_key=True),
    Column("chunk_no", Integer, primary_key=True),
    Column("data", LargeBinary, nullable=False),
)


async def start(db: Database, key: str, now: float) -> None:
    await db.execute(insert(file_blob_keys).values(key=key, size=None, created_at=now))


async def append(db: Database, key: str, chunk_no: int, data: bytes) -> None:
    await db.execute(insert(file_blobs).values(key=key, chunk_no=chunk_no, data=data))


async def finish(db: Database, key: str, size: int) -> None:
    """Make the file visible to readers."""
    await db.execute(update(file_blob_keys).where(file_blob_keys.c.key == key).values(size=size))


async def size_of(db: Database, key: str) -> int | None:
    """The size of a complete file, or None when there is none under ``key`` (or it is still being written)."""
    rows = await db.read(select(file_blob_keys.c.size).where(file_blob_keys.c.key == key))
    size: int | None = rows[0][0] if rows else None
    return size


async def chunk(db: Database, key: str, chunk_no: int) -> bytes | None:
    rows = await db.read(select(file_blobs.c.data).where(file_blobs.c.key == key, file_blobs.c.chunk_no == chunk_no))
    data: bytes | None = rows[0][0] if rows else None
    return data


async def remove(db: Database, key: str) -> None:
    """Delete a file, complete or not; a missing key is not an error."""
    # Chunks first and explicitly rather than by the foreign key's cascade, which SQLite applies only on
    # connections that enabled foreign keys.
    await db.execute(
        delete(file_blobs).where(file_blobs.c.key == key), delete(file_blob_keys).where(file_blob_keys.c.key == key)
    )


async def delete_incomplete(db: Database, started_before: float) -> int:
    """Remove uploads started before ``started_before`` that never finished (their process died); return how many."""
    query = select(file_blob_keys.c.key).where(
        file_blob_keys.c.size.is_(None), file_blob_keys.c.created_at < started_before
    )
    keys = [row[0] for row in await db.read(query)]
    for key in keys:
        await remove(db, key)
    return len(keys)


async def counts(db: Database) -> tuple[int, int]:
    """How many files and how many chunks are stored, complete or not (for operators and tests)."""
    files = (await db.read(select(func.count()).select_from(file_blob_keys)))[0][0]
    chunks = (await db.read(select(func.count()).select_from(file_blobs)))[0][0]
    return int(files), int(chunks)
