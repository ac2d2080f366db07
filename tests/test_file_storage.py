"""Attachment bytes in the database: replicas share uploads through it alone, and no failed upload leaves rows."""

from __future__ import annotations

import asyncio
import base64
import math
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest
from sqlalchemy import func, select

from chatkit_host.server.attachments.gc import sweep
from chatkit_host.server.attachments.storage import (
    CHUNK_BYTES,
    DatabaseFileStorage,
    FileStorage,
    file_storage_kind,
    make_file_storage,
)
from chatkit_host.server.settings import FILE_STORAGES, Settings
from chatkit_host.server.store import Store, blobs
from chatkit_host.server.store.migrate import upgrade
from tests.support.fake_openai import FakeOpenAI
from tests.support.runtime import ATTACHMENT, Runtime, text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.services import fresh_postgres_url
from tests.support.storage import stored_sizes

UPLOADS_ON = {"chatkit_configuration": {"file_upload": {"enabled": True}}}
MB = 1024 * 1024


def blob_rows(settings: Settings) -> tuple[int, int]:
    """(files, chunks) in the database, complete or not."""

    async def run() -> tuple[int, int]:
        store = Store.open(settings.resolved_database_url)
        try:
            return await blobs.counts(store.db)
        finally:
            await store.close()

    return asyncio.run(run())


def _wait_for(condition: Any, what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting for {what} after {timeout} s")
        time.sleep(0.05)


def _upload_two_phase(rt: Runtime, name: str, data: bytes, mime: str) -> dict[str, Any]:
    created = rt.json("attachments.create", name=name, size=len(data), mime_type=mime)
    response = httpx.post(created["upload_descriptor"]["url"], files={"file": (name, data, mime)}, timeout=60)
    assert response.status_code == 200, response.text
    uploaded: dict[str, Any] = response.json()
    ATTACHMENT.validate_python(uploaded)
    return uploaded


def _on(server: RunningServer, rt: Runtime) -> Runtime:
    """The same session, talking to another replica."""
    other = Runtime(server, rt.secret)
    other.session = rt.session
    return other


@pytest.mark.postgres
def test_an_upload_to_one_replica_is_served_and_sent_by_another(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    """Two replicas on one PostgreSQL database, each with its own data directory, as behind a load balancer."""
    a = make_server(backend="postgres")
    assert a.settings.file_storage is None  # the default on PostgreSQL is what is under test
    model = {"openai_base_url": fake_openai.base_url + "/v1", "default_model": "fake-small"}
    b = make_server(database_url=a.settings.database_url, **model)
    assert a.settings.data_dir != b.settings.data_dir

    data = os.urandom(2 * CHUNK_BYTES + 12345)  # several chunks, the last one short
    on_a = Runtime.for_user(a, "erin", **UPLOADS_ON)
    uploaded = _upload_two_phase(on_a, "scan.png", data, "image/png")
    assert stored_sizes(a.settings) == [len(data)]
    assert blob_rows(a.settings) == (1, 3)

    on_b = _on(b, on_a)
    thread_id, events = on_b.create_thread("what is in the scan?", attachments=[uploaded["id"]])
    assert [x.id for x in events[1].item.attachments] == [uploaded["id"]]
    # Replica B read A's bytes from the database and sent them to the model as image input.
    request = fake_openai.requests[0]  # the turn's (a title request follows)
    assert f"[attachment: scan.png (image/png, {len(data)} bytes)]" in request.transcript()
    parts = [p for m in request.body["messages"] if isinstance(m["content"], list) for p in m["content"]]
    [image] = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert base64.b64decode(image.removeprefix("data:image/png;base64,")) == data

    # The preview URL replica B signs (it is B's address) serves the bytes A received.
    item = on_b.json("threads.get_by_id", thread_id=thread_id)["items"]["data"][0]
    preview_url = item["attachments"][0]["preview_url"]
    assert preview_url.startswith(b.base_url)
    download = httpx.get(preview_url)
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-type"] == "image/png"


@pytest.mark.postgres
def test_with_local_storage_another_replica_has_no_bytes(make_server: MakeServer) -> None:
    """Why ``file_storage`` exists: with ``local``, replicas without a shared --data-dir cannot serve uploads."""
    a = make_server(backend="postgres", file_storage="local")
    b = make_server(database_url=a.settings.database_url, file_storage="local")
    on_a = Runtime.for_user(a, **UPLOADS_ON)
    uploaded = _upload_two_phase(on_a, "scan.png", b"local bytes", "image/png")
    assert httpx.get(uploaded["preview_url"]).content == b"local bytes"
    on_b = _on(b, on_a)
    download = on_b.http.get(f"/chatkit/attachments/{uploaded['id']}/content")
    assert download.status_code == 404 and download.json()["error"]["code"] == "attachment_not_found"
    assert blob_rows(a.settings) == (0, 0)


def test_the_storage_follows_the_database_unless_configured() -> None:
    assert file_storage_kind(Settings()) == "local"
    assert file_storage_kind(Settings(database_url="postgresql://db/chatkit")) == "database"
    assert file_storage_kind(Settings(file_storage="database")) == "database"
    assert file_storage_kind(Settings(database_url="postgresql://db/x", file_storage="local")) == "local"
    assert Settings.from_env({"CHATKIT_HOST_FILE_STORAGE": "database"}).file_storage == "database"
    with pytest.raises(ValueError, match="CHATKIT_HOST_FILE_STORAGE"):
        Settings.from_env({"CHATKIT_HOST_FILE_STORAGE": "s3"})


def test_a_large_upload_is_stored_and_served_in_chunks(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend, file_storage="database")
    rt = Runtime.for_user(server, **{"chatkit_configuration": {"file_upload": {"enabled": True, "max_file_size": 8}}})
    data = os.urandom(5 * 1000 * 1000)
    created = rt.json("attachments.create", name="big.bin", size=len(data), mime_type="application/octet-stream")

    def pieces() -> Any:  # a chunked body in pieces that do not line up with the stored chunks
        for start in range(0, len(data), 100_000):
            yield data[start : start + 100_000]

    response = httpx.put(created["upload_descriptor"]["url"], content=pieces(), timeout=60)
    assert response.status_code == 200, response.text
    assert blob_rows(server.settings) == (1, math.ceil(len(data) / CHUNK_BYTES))
    assert stored_sizes(server.settings) == [len(data)]
    with rt.http.stream("GET", f"/chatkit/attachments/{created['id']}/content") as download:
        assert download.status_code == 200
        received = b"".join(download.iter_bytes())
    assert received == data


def test_a_too_large_upload_leaves_no_rows(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend, file_storage="database")
    rt = Runtime.for_user(server, **{"chatkit_configuration": {"file_upload": {"enabled": True, "max_file_size": 1}}})
    created = rt.json("attachments.create", name="liar.bin", size=10, mime_type="application/octet-stream")
    too_big = b"x" * (MB + 1)

    def pieces() -> Any:  # chunked, so the limit is met only as the bytes arrive, after whole chunks were written
        for start in range(0, len(too_big), 65536):
            yield too_big[start : start + 65536]

    response = httpx.put(created["upload_descriptor"]["url"], content=pieces())
    assert response.status_code == 413 and response.json()["error"]["code"] == "chatkit.file_too_large"
    assert blob_rows(server.settings) == (0, 0)
    error = rt.error("threads.create", 400, input=text_input("x", [created["id"]]))
    assert error["code"] == "attachment_not_uploaded"


def test_an_upload_cut_off_by_the_client_leaves_no_rows(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend, file_storage="database")
    rt = Runtime.for_user(server, **UPLOADS_ON)
    created = rt.json("attachments.create", name="half.bin", size=2 * MB, mime_type="application/octet-stream")
    url = urlparse(created["upload_descriptor"]["url"])
    with socket.create_connection((url.hostname, url.port), timeout=15) as sock:
        head = f"PUT {url.path}?{url.query} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Length: {2 * MB}\r\n\r\n"
        sock.sendall(head.encode() + b"h" * MB)
        # Half the body is in: wait until the server has stored chunks of it, so the cleanup has work to do.
        _wait_for(lambda: blob_rows(server.settings)[1] >= 1, "the first chunks of the upload")
    _wait_for(lambda: blob_rows(server.settings) == (0, 0), "the aborted upload's rows to go")
    error = rt.error("threads.create", 400, input=text_input("x", [created["id"]]))
    assert error["code"] == "attachment_not_uploaded"


def test_deleting_a_thread_deletes_the_rows_of_its_attachments(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend, file_storage="database")
    rt = Runtime.for_user(server, **UPLOADS_ON)
    first = _upload_two_phase(rt, "a.png", b"a" * (CHUNK_BYTES + 1), "image/png")
    second = _upload_two_phase(rt, "b.txt", b"b", "text/plain")
    by_runtime, _ = rt.create_thread("one", attachments=[first["id"]])
    by_rest, _ = rt.create_thread("two", attachments=[second["id"]])
    assert blob_rows(server.settings) == (2, 3)
    assert rt.json("threads.delete", thread_id=by_runtime) == {}
    assert blob_rows(server.settings) == (1, 1)
    assert server.admin().delete(f"/v1/chatkit/threads/{by_rest}").status_code == 200
    assert blob_rows(server.settings) == (0, 0)


def test_garbage_collection_deletes_the_rows_of_unsent_attachments(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend, file_storage="database")
    rt = Runtime.for_user(server, **UPLOADS_ON)
    unsent = _upload_two_phase(rt, "draft.txt", b"never sent", "text/plain")
    sent = _upload_two_phase(rt, "notes.txt", b"sent", "text/plain")
    rt.create_thread("with notes", attachments=[sent["id"]])
    assert blob_rows(server.settings) == (2, 2)
    settings = server.settings
    args = [sys.executable, "-m", "chatkit_host", "db", "gc", "--older-than", "0"]
    args += ["--database", settings.resolved_database_url, "--data-dir", str(settings.data_dir)]
    done = subprocess.run([*args, "--file-storage", "database"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "Removed 1 unsent attachment(s) older than 0 s."
    assert blob_rows(settings) == (1, 1)
    assert rt.error("attachments.delete", 404, attachment_id=unsent["id"])["code"] == "attachment_not_found"
    assert rt.http.get(f"/chatkit/attachments/{sent['id']}/content").content == b"sent"


def _database_url(tmp_path: Path, backend: str, stack: ExitStack) -> str:
    return fresh_postgres_url(stack) if backend == "postgres" else f"sqlite:///{tmp_path / 'blobs.db'}"


def test_readers_ignore_an_upload_in_progress(tmp_path: Path, backend: str) -> None:
    async def run(url: str) -> None:
        await upgrade(url)
        store = Store.open(url)
        files = DatabaseFileStorage(store, chunk_bytes=4)
        arrived, release = asyncio.Event(), asyncio.Event()

        async def slow() -> AsyncIterator[bytes]:
            yield b"first chunk"
            arrived.set()
            await release.wait()
            yield b", the rest"

        try:
            saving = asyncio.create_task(files.save(slow(), 1024))
            await arrived.wait()
            [(key,)] = await store.db.read(select(blobs.file_blob_keys.c.key))
            [(written,)] = await store.db.read(select(func.count()).select_from(blobs.file_blobs))
            assert written == 2 and not await files.exists(key)
            with pytest.raises(FileNotFoundError):
                [part async for part in files.open(key)]
            release.set()
            assert await saving == (key, 21)
            assert await files.exists(key)
            assert b"".join([part async for part in files.open(key)]) == b"first chunk, the rest"
        finally:
            await store.close()

    with ExitStack() as stack:
        asyncio.run(run(_database_url(tmp_path, backend, stack)))


@pytest.mark.parametrize("kind", FILE_STORAGES)
def test_the_sweep_removes_what_a_dead_upload_left(tmp_path: Path, backend: str, kind: str) -> None:
    """A process that dies mid-upload cannot clean up; the attachment sweep removes what it left, once old enough."""

    async def leave_unfinished(files: FileStorage, store: Store, started: float) -> None:
        if isinstance(files, DatabaseFileStorage):
            key = secrets.token_hex(16)
            await blobs.start(store.db, key, started)
            await blobs.append(store.db, key, 0, b"half")
        else:
            part = tmp_path / "files" / "ab" / f"ab{secrets.token_hex(15)}.part"
            part.parent.mkdir(parents=True, exist_ok=True)
            part.write_bytes(b"half")
            os.utime(part, (started, started))

    async def leftovers(files: FileStorage, store: Store) -> int:
        if isinstance(files, DatabaseFileStorage):
            return (await blobs.counts(store.db))[0]
        return len(list((tmp_path / "files").glob("*/*.part")))

    async def run(url: str) -> None:
        await upgrade(url)
        store = Store.open(url)
        settings = Settings(data_dir=tmp_path, database_url=url, file_storage=kind)
        files = make_file_storage(settings, store)
        try:
            kept = await files.save(_one(b"complete"), 1024)
            await leave_unfinished(files, store, time.time() - 3600)
            await leave_unfinished(files, store, time.time())  # may still be arriving
            assert await leftovers(files, store) == (3 if kind == "database" else 2)
            assert await sweep(store, files, time.time() - 60) == 0  # no attachments: only the leftovers go
            assert await leftovers(files, store) == (2 if kind == "database" else 1)
            assert b"".join([part async for part in files.open(kept[0])]) == b"complete"
        finally:
            await store.close()

    with ExitStack() as stack:
        asyncio.run(run(_database_url(tmp_path, backend, stack)))


async def _one(data: bytes) -> AsyncIterator[bytes]:
    yield data
