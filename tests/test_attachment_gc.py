"""Attachments uploaded but never sent are removed (rows and bytes) after their TTL; sent ones never are."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import update

from chatkit_host.server import ids
from chatkit_host.server.attachments.gc import sweep
from chatkit_host.server.attachments.storage import make_file_storage
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import AttachmentRecord, Store, schema
from tests.support.runtime import ATTACHMENT, Runtime, text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.storage import stored_sizes

UPLOADS_ON = {"chatkit_configuration": {"file_upload": {"enabled": True}}}
CLI = [sys.executable, "-m", "chatkit_host"]


def _files(settings: Settings) -> list[int | None]:
    # Sizes of the stored files, whichever storage the backend uses by default (PostgreSQL's is the database).
    return stored_sizes(settings)


def _upload(rt: Runtime, name: str, data: bytes) -> str:
    response = rt.http.post("/chatkit/upload", files={"file": (name, data, "text/plain")})
    assert response.status_code == 200, response.text
    return ATTACHMENT.validate_python(response.json()).id


def _in_store(settings: Settings, *attachment_ids: str) -> list[str]:
    async def run() -> list[str]:
        store = Store.open(settings.resolved_database_url)
        try:
            return [a for a in attachment_ids if await store.get_attachment(a) is not None]
        finally:
            await store.close()

    return asyncio.run(run())


def _age(settings: Settings, attachment_id: str, seconds: float) -> None:
    """Backdate an upload, as if it had been made ``seconds`` ago."""

    async def run() -> None:
        store = Store.open(settings.resolved_database_url)
        try:
            table = schema.attachments
            await store.db.execute(
                update(table).where(table.c.id == attachment_id).values(created_at=time.time() - seconds)
            )
        finally:
            await store.close()

    asyncio.run(run())


def test_the_server_sweeps_unsent_attachments_and_keeps_sent_ones(make_server: MakeServer, backend: str) -> None:
    # A 2 s TTL makes each replica sweep every second (a quarter of it, at least one second).
    server = make_server(backend=backend, attachment_ttl_seconds=2)
    rt = Runtime.for_user(server, **UPLOADS_ON)
    unsent = _upload(rt, "draft.txt", b"never sent")
    sent = _upload(rt, "notes.txt", b"sent with a message")
    thread_id, _ = rt.create_thread("see the notes", attachments=[sent])
    no_bytes = rt.json("attachments.create", name="later.txt", size=3, mime_type="text/plain")["id"]
    assert len(_files(server.settings)) == 2

    deadline = time.monotonic() + 20
    while _in_store(server.settings, unsent, no_bytes) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _in_store(server.settings, unsent, no_bytes) == []
    # Past its TTL too, and swept over, but a message names it.
    assert _in_store(server.settings, sent) == [sent]
    assert len(_files(server.settings)) == 1
    download = rt.http.get(f"/chatkit/attachments/{sent}/content")
    assert download.status_code == 200 and download.content == b"sent with a message"
    item = rt.json("items.list", thread_id=thread_id, order="asc")["data"][0]
    assert [a["id"] for a in item["attachments"]] == [sent]
    assert rt.error("threads.create", 404, input=text_input("too late", [unsent]))["code"] == "attachment_not_found"


def test_an_unsent_attachment_near_its_ttl_can_no_longer_be_sent(server: RunningServer) -> None:
    """Shortly before the TTL (5 min of the default 24 h) a sweep may be taking it, so a message may not."""
    rt = Runtime.for_user(server, **UPLOADS_ON)
    ttl = server.settings.attachment_ttl_seconds
    closing = _upload(rt, "closing.txt", b"almost expired")
    _age(server.settings, closing, ttl - 200)
    error = rt.error("threads.create", 404, input=text_input("x", [closing]))
    assert error["code"] == "attachment_not_found" and error["param"] == "attachment_id"
    fine = _upload(rt, "fine.txt", b"still fresh enough")
    _age(server.settings, fine, ttl - 400)
    thread_id, events = rt.create_thread("y", attachments=[fine])
    assert [a.id for a in events[1].item.attachments] == [fine]
    # Once sent, age no longer matters: the same attachment is listed and served.
    _age(server.settings, fine, ttl * 10)
    assert rt.http.get(f"/chatkit/attachments/{fine}/content").content == b"still fresh enough"
    assert rt.json("threads.get_by_id", thread_id=thread_id)["id"] == thread_id


def test_db_gc_removes_unsent_attachments_on_demand(server: RunningServer) -> None:
    rt = Runtime.for_user(server, **UPLOADS_ON)
    unsent = _upload(rt, "draft.txt", b"never sent")
    sent = _upload(rt, "notes.txt", b"sent")
    rt.create_thread("with notes", attachments=[sent])
    settings = server.settings
    args = [*CLI, "db", "gc", "--database", settings.resolved_database_url, "--data-dir", str(settings.data_dir)]

    # The default TTL (24 h) keeps a fresh upload.
    kept = subprocess.run(args, capture_output=True, text=True, check=True)
    assert kept.stdout.strip() == "Removed 0 unsent attachment(s) older than 86400 s."
    assert _in_store(settings, unsent, sent) == [unsent, sent]

    done = subprocess.run([*args, "--older-than", "0"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "Removed 1 unsent attachment(s) older than 0 s."
    assert _in_store(settings, unsent, sent) == [sent]
    assert len(_files(settings)) == 1
    assert rt.http.get(f"/chatkit/attachments/{sent}/content").content == b"sent"


async def _one_chunk(data: bytes) -> AsyncIterator[bytes]:
    yield data


def test_concurrent_sweeps_remove_each_attachment_once(server: RunningServer) -> None:
    """Two replicas sweeping the same backlog at once, in small batches: nothing fails, nothing is left."""
    settings = server.settings
    rt = Runtime.for_user(server, **UPLOADS_ON)
    sent = _upload(rt, "notes.txt", b"sent")
    rt.create_thread("with notes", attachments=[sent])

    async def run() -> tuple[list[int], int, bool]:
        stores = [Store.open(settings.resolved_database_url) for _ in range(2)]
        files = make_file_storage(settings, stores[0])
        try:
            session_id = rt.session["id"]
            backlog: list[Any] = []
            for n in range(40):
                key, size = await files.save(_one_chunk(b"x" * n), 1024)
                record = AttachmentRecord(
                    id=ids.new_id(ids.ATTACHMENT),
                    user="alice",
                    session_id=session_id,
                    thread_id=None,
                    name=f"{n}.txt",
                    mime_type="text/plain",
                    declared_size=size,
                    size=size,
                    storage_key=key,
                    created_at=time.time() - 3600,
                )
                assert await stores[0].add_attachment(record, max_files=100)
                backlog.append(record)
            cutoff = time.time() - 60
            counts = await asyncio.gather(*(sweep(s, files, cutoff, batch=7) for s in stores))
            left = sum([await stores[0].get_attachment(r.id) is not None for r in backlog])
            return list(counts), left, any([await files.exists(r.storage_key) for r in backlog])
        finally:
            for store in stores:
                await store.close()

    counts, left, bytes_left = asyncio.run(run())
    assert sum(counts) == 40 and left == 0 and not bytes_left
    assert _in_store(settings, sent) == [sent]
    assert rt.http.get(f"/chatkit/attachments/{sent}/content").content == b"sent"
