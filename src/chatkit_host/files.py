"""Attachment bytes, behind an interface an object store can implement later.

``LocalFileStorage`` keeps each file under ``data_dir/files``; a partially written upload never becomes
visible, because bytes go to a temporary file that is renamed into place only when the upload is complete.
"""

from __future__ import annotations

import abc
import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chatkit_host.store import Store


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

    @abc.abstractmethod
    def exists(self, key: str) -> bool: ...


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
        final.parent.mkdir(parents=True, exist_ok=True)
        partial = final.with_suffix(".part")
        size = 0
        try:
            with partial.open("wb") as handle:
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

    def exists(self, key: str) -> bool:
        return self._path(key).exists()


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
