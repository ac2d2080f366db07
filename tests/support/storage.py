"""What a server's file storage holds, read straight from the disk or the database, whichever it uses."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from chatkit_host.server.attachments.storage import file_storage_kind
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import Store, blobs


def stored_sizes(settings: Settings) -> list[int | None]:
    """The files a server's storage holds, as their sizes (None: an upload still being written), whichever storage."""
    if file_storage_kind(settings) == "local":
        root = settings.data_dir / "files"
        return [p.stat().st_size for p in sorted(root.rglob("*")) if p.is_file()] if root.exists() else []

    async def run() -> list[int | None]:
        store = Store.open(settings.resolved_database_url)
        try:
            return [row[0] for row in await store.db.read(select(blobs.file_blob_keys.c.size))]
        finally:
            await store.close()

    return asyncio.run(run())
