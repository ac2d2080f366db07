"""Attachment bytes, behind an interface an object store can implement later.

``LocalFileStorage`` keeps each file under ``data_dir/files``; a partially written upload never becomes
visible, because bytes go to a temporary file that is renamed into place only when the upload is complete.
``DatabaseFileStorage`` keeps them in the database (``store/blobs.py``), so replicas share nothing but the
database; it is the default on PostgreSQL (see :func:`make_file_storage`).
"""

from __future__ import annotations

import abc
import asyncio
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from chatkit_host.server.settings import FILE_STORAGES
from chatkit_host.server.store import blobs
from chatkit_host.server.store.urls import is_sqlite

if TYPE_CHECKING:
    from chatkit_host.server.settings import Settings
    from chatkit_host.server.store import Store

logger = logging.getLogger(__name__)

#: Bytes per row of ``file_blobs``: large enough that a 100 MB file is 400 rows, small enough to hold in memory.
CHUNK_BYTES = 256 * 1024


class UploadTooLarge(Exception):
    """The bytes received passed the limit; nothing of them was kept."""


class FileStorage(abc.ABC):
    """Where attachment bytes live. Keys are opaque strings chosen by the storage."""

    @abc.abstractmethod
    async def save(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        """Store the stream; return ``(key, size)``. Raise :class:`UploadTooLarge` past ``max_bytes``."""

    @abc.abstractmethod
    def open(self, key: str) -> AsyncIterator[bytes]:
        """Stream the bytes stored under ``key``."""

    @abc.abstractmethod
    async def delete(self, key: str) -> None:
        """Remove the bytes; a missing key is not an error."""

    async def delete_unfinished(self, started_before: float) -> int:
        """Remove what uploads started before ``started_before`` left when their process died; return how many.

        A failed upload cleans up after itself; only a crash mid-upload leaves anything, which the attachment
        sweep (``attachment_gc.py``) removes through this.
        """
        return 0

    @abc.abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether ``key`` names complete bytes (checked before a response starts, so a missing file is a 404)."""


class LocalFileStorage(FileStorage):
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        if not key.isalnum():
            raise ValueError("invalid storage key")
        return self.root / key[:2] / key

    async def save(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        key = secrets.token_hex(16)
        final = self._path(key)
        # Uploads are the users' files: readable by the server's user only, whatever the process umask.
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        final.parent.mkdir(exist_ok=True, mode=0o700)
        partial = final.with_suffix(".part")
        size = 0
        try:
            with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
                async for chunk in chunks:
                    size += len(chunk)
                    if size > max_bytes:
                        raise UploadTooLarge(f"upload exceeds {max_bytes} bytes")
                    await asyncio.to_thread(handle.write, chunk)
            os.replace(partial, final)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return key, size

    async def open(self, key: str) -> AsyncIterator[bytes]:
        path = self._path(key)
        with path.open("rb") as handle:
            while chunk := await asyncio.to_thread(handle.read, 256 * 1024):
                yield chunk

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def exists(self, key: str) -> bool:
        return self._path(key).exists()

    async def delete_unfinished(self, started_before: float) -> int:
        def run() -> int:
            stale = [p for p in self.root.glob("*/*.part") if p.stat().st_mtime < started_before]
            for path in stale:
                path.unlink(missing_ok=True)
            return len(stale)

        return await asyncio.to_thread(run) if self.root.exists() else 0


class DatabaseFileStorage(FileStorage):
    """Bytes in the store's database, in chunks of :data:`CHUNK_BYTES` both ways: no upload or download is
    ever held in memory whole, and every replica on the same database serves what any of them received."""

    def __init__(self, store: Store, chunk_bytes: int = CHUNK_BYTES) -> None:
        self.db = store.db
        self.chunk_bytes = chunk_bytes

    async def save(self, chunks: AsyncIterator[bytes], max_bytes: int) -> tuple[str, int]:
        key = secrets.token_hex(16)
        await blobs.start(self.db, key, time.time())
        size = chunk_no = 0
        pending = bytearray()
        try:
            async for received in chunks:
                size += len(received)
                if size > max_bytes:
                    raise UploadTooLarge(f"upload exceeds {max_bytes} bytes")
                pending += received
                while len(pending) >= self.chunk_bytes:
                    await blobs.append(self.db, key, chunk_no, bytes(pending[: self.chunk_bytes]))
                    del pending[: self.chunk_bytes]
                    chunk_no += 1
            if pending:
                await blobs.append(self.db, key, chunk_no, bytes(pending))
            await blobs.finish(self.db, key, size)
        except BaseException:
            # Also on cancellation (the client went away): shielded, so the rows go even if we are cancelled again.
            await asyncio.shield(self._discard(key))
            raise
        return key, size

    async def _discard(self, key: str) -> None:
        try:
            await blobs.remove(self.db, key)
        except Exception:  # the upload's own error matters more; the key has no size, so readers ignore it
            logger.warning("could not remove the rows of a failed upload %s", key, exc_info=True)

    async def open(self, key: str) -> AsyncIterator[bytes]:
        size = await blobs.size_of(self.db, key)
        if size is None:
            raise FileNotFoundError(key)
        sent = chunk_no = 0
        while sent < size:
            data = await blobs.chunk(self.db, key, chunk_no)
            if data is None:
                # Deleted while being read: fail the response rather than end it as if the file were shorter.
                raise FileNotFoundError(f"{key} lost its bytes after {sent} of {size}")
            sent += len(data)
            chunk_no += 1
            yield data

    async def delete(self, key: str) -> None:
        await blobs.remove(self.db, key)

    async def exists(self, key: str) -> bool:
        return await blobs.size_of(self.db, key) is not None

    async def delete_unfinished(self, started_before: float) -> int:
        return await blobs.delete_incomplete(self.db, started_before)


def file_storage_kind(settings: Settings) -> str:
    """The configured storage, else ``database`` on PostgreSQL (replicas share it) and ``local`` on SQLite."""
    if settings.file_storage is not None:
        return settings.file_storage
    return "local" if is_sqlite(settings.resolved_database_url) else "database"


def make_file_storage(settings: Settings, store: Store) -> FileStorage:
    kind = file_storage_kind(settings)
    if kind == "local":
        return LocalFileStorage(settings.data_dir / "files")
    if kind == "database":
        return DatabaseFileStorage(store)
    raise ValueError(f"unknown file_storage {kind!r}: use one of {', '.join(FILE_STORAGES)}")


async def delete_thread_with_files(store: Store, files: FileStorage, thread_id: str) -> bool:
    """Delete a thread, its items and attachment rows (one transaction), then its attachments' bytes.

    Returns False when there was no such thread. Bytes go after the rows, so a failure in between leaves
    orphaned bytes rather than rows pointing at nothing.
    """
    removed = await store.delete_thread(thread_id)
    if removed is None:
        return False
    for attachment in removed:
        if attachment.storage_key:
            await files.delete(attachment.storage_key)
    return True
