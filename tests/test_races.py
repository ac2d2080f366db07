"""Limits and ownership hold under concurrency: 20-50 simultaneous requests, on one app or two apps sharing a database.

Every request of a burst is in flight at once (one asyncio client, no connection limit). "Two apps" are two
instances of the server on one database (replicas): requests alternate between them, so a lock in one process
could not make these pass; the database has to decide.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from chatkit_host.server.settings import Settings
from chatkit_host.server.store import AttachmentRecord, Store, schema
from tests.support.runtime import ATTACHMENT, Runtime, decode_events, text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.storage import stored_sizes

MAX_FILES = 2
LIMITED = {"chatkit_configuration": {"file_upload": {"enabled": True, "max_files": MAX_FILES}}}
UPLOADS_ON = {"chatkit_configuration": {"file_upload": {"enabled": True, "max_files": 50}}}


@pytest.fixture(
    params=[
        "sqlite",
        "sqlite, two apps",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres, two apps", marks=pytest.mark.postgres),
    ]
)
def apps(request: pytest.FixtureRequest, make_server: MakeServer) -> list[RunningServer]:
    """One app, or two apps on one database (bytes in the database too, so either app can serve them)."""
    backend = "postgres" if str(request.param).startswith("postgres") else "sqlite"
    if "two apps" not in request.param:
        return [make_server(backend=backend)]
    first = make_server(backend=backend, file_storage="database")
    second = make_server(database_url=first.settings.resolved_database_url, file_storage="database")
    for app in (first, second):
        _warm_up(app)
    return [first, second]


def _warm_up(app: RunningServer) -> None:
    """One request to each route, one app at a time, before the bursts.

    FastAPI builds some parameter models on a route's first request, inside ``warnings.catch_warnings()``,
    which is process-global state and not thread-safe: two apps in threads of this one test process doing that
    at once can lose each other's filter, and pytest's ``filterwarnings = error`` turns pydantic's warning into
    a 500. Production runs one app per process (``serve --workers`` forks), so only the harness needs this.
    """
    with httpx.Client(base_url=app.base_url) as client:
        for method in ("POST", "PUT"):
            client.request(method, "/chatkit/attachments/atc_x/upload", params={"session": "s", "sig": "x"})
        client.get("/chatkit/attachments/atc_x/content", params={"session": "s", "sig": "x"})
        client.post("/chatkit/upload")
        client.post("/chatkit", json={})


def _on(app: RunningServer, url: str, apps: Sequence[RunningServer]) -> str:
    """``url`` (handed out by any of ``apps``) pointed at ``app``."""
    for other in apps:
        if url.startswith(other.base_url):
            return app.base_url + url[len(other.base_url) :]
    raise AssertionError(url)


async def _burst(requests: list[tuple[str, str, dict[str, Any]]]) -> list[httpx.Response]:
    """All ``(method, url, httpx kwargs)`` at once."""
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        return list(await asyncio.gather(*(client.request(m, url, **kw) for m, url, kw in requests)))


def _runtime_call(rt: Runtime, app: RunningServer, op: str, **params: Any) -> tuple[str, str, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {rt.secret}"}
    return "POST", f"{app.base_url}/chatkit", {"headers": headers, "json": {"type": op, "params": params}}


def _in_db(settings: Settings, session_id: str) -> list[AttachmentRecord]:
    async def run() -> list[AttachmentRecord]:
        store = Store.open(settings.resolved_database_url)
        try:
            table = schema.attachments
            rows = await store.db.read(select(table).where(table.c.session_id == session_id))
            return [AttachmentRecord(**dict(r._mapping)) for r in rows]
        finally:
            await store.close()

    return asyncio.run(run())


def _codes(responses: list[httpx.Response]) -> Counter[tuple[int, str | None]]:
    return Counter((r.status_code, None if r.status_code == 200 else r.json()["error"]["code"]) for r in responses)


def test_max_files_holds_for_concurrent_creates_and_direct_uploads(apps: list[RunningServer]) -> None:
    rt = Runtime.for_user(apps[0], **LIMITED)
    calls = []
    for n in range(40):
        app = apps[n % len(apps)]
        if n % 2:
            files = {"file": (f"{n}.txt", b"x" * 1000, "text/plain")}
            headers = {"Authorization": f"Bearer {rt.secret}"}
            calls.append(("POST", f"{app.base_url}/chatkit/upload", {"headers": headers, "files": files}))
        else:
            calls.append(_runtime_call(rt, app, "attachments.create", name=f"{n}.png", size=10, mime_type="image/png"))
    responses = asyncio.run(_burst(calls))
    assert _codes(responses) == {(200, None): MAX_FILES, (400, "chatkit.max_files_exceeded"): 40 - MAX_FILES}
    accepted = {ATTACHMENT.validate_python(r.json()).id for r in responses if r.status_code == 200}
    rows = _in_db(apps[0].settings, rt.session["id"])
    assert {r.id for r in rows} == accepted
    # Refused direct uploads left no bytes behind: only accepted direct uploads have any.
    stored = [r for r in rows if r.storage_key is not None]
    assert len(stored_sizes(apps[0].settings)) == len(stored)


def test_max_files_holds_for_direct_uploads_alone(apps: list[RunningServer]) -> None:
    rt = Runtime.for_user(apps[0], **LIMITED)
    headers = {"Authorization": f"Bearer {rt.secret}"}
    calls = [
        (
            "POST",
            f"{apps[n % len(apps)].base_url}/chatkit/upload",
            {"headers": headers, "files": {"file": (f"{n}.txt", b"y" * 2000, "text/plain")}},
        )
        for n in range(20)
    ]
    responses = asyncio.run(_burst(calls))
    assert _codes(responses) == {(200, None): MAX_FILES, (400, "chatkit.max_files_exceeded"): 20 - MAX_FILES}
    rows = _in_db(apps[0].settings, rt.session["id"])
    assert len(rows) == MAX_FILES and all(r.size == 2000 and r.declared_size == 2000 for r in rows)
    assert stored_sizes(apps[0].settings) == [2000] * MAX_FILES


@pytest.mark.parametrize("multipart", [True, False], ids=["multipart", "raw-put"])
def test_one_two_phase_attachment_is_stored_once(apps: list[RunningServer], multipart: bool) -> None:
    rt = Runtime.for_user(apps[0], **UPLOADS_ON)
    data = bytes(range(256)) * 4096  # 1 MiB: long enough that the uploads overlap
    created = ATTACHMENT.validate_python(rt.json("attachments.create", name="a.bin", size=len(data), mime_type="x/y"))
    assert created.upload_descriptor is not None
    url = str(created.upload_descriptor.url)
    body: dict[str, Any] = {"files": {"file": ("a.bin", data, "x/y")}} if multipart else {"content": data}
    method = "POST" if multipart else "PUT"
    calls = [(method, _on(apps[n % len(apps)], url, apps), body) for n in range(24)]
    responses = asyncio.run(_burst(calls))
    codes = _codes(responses)
    assert codes[(200, None)] == 1, codes
    # The others were refused at once (claim held) or after it finished (already uploaded); nothing else.
    assert set(codes) <= {(200, None), (409, "upload_in_progress"), (400, "already_uploaded")}, codes
    (row,) = _in_db(apps[0].settings, rt.session["id"])
    assert row.size == len(data) and row.storage_key is not None and row.upload_started_at is None
    assert stored_sizes(apps[0].settings) == [len(data)]
    for app in apps:
        content = rt.http.get(f"{app.base_url}/chatkit/attachments/{created.id}/content")
        assert content.content == data


def test_a_failed_upload_gives_its_claim_back(apps: list[RunningServer]) -> None:
    rt = Runtime.for_user(apps[0], chatkit_configuration={"file_upload": {"enabled": True, "max_file_size": 1}})
    created = ATTACHMENT.validate_python(rt.json("attachments.create", name="a.bin", size=10, mime_type="x/y"))
    assert created.upload_descriptor is not None
    url = str(created.upload_descriptor.url)
    too_big = httpx.put(url, content=b"z" * (2 * 1024 * 1024))
    assert too_big.status_code == 413, too_big.text
    (row,) = _in_db(apps[0].settings, rt.session["id"])
    assert row.upload_started_at is None and row.storage_key is None
    assert stored_sizes(apps[0].settings) == []
    retry = httpx.put(_on(apps[-1], url, apps), content=b"just right")
    assert retry.status_code == 200, retry.text
    again = httpx.put(url, content=b"once more")
    assert again.status_code == 400 and again.json()["error"]["code"] == "already_uploaded"
    assert stored_sizes(apps[0].settings) == [len(b"just right")]


def _upload(rt: Runtime) -> str:
    response = rt.http.post("/chatkit/upload", files={"file": ("n.txt", b"notes", "text/plain")})
    assert response.status_code == 200, response.text
    return ATTACHMENT.validate_python(response.json()).id


def _sent_in(events: list[Any]) -> list[str]:
    """Thread ids whose user message (in this stream) carries an attachment."""
    return [e.item.thread_id for e in events if e.type == "thread.item.done" and getattr(e.item, "attachments", None)]


def test_one_attachment_lands_in_one_new_thread(apps: list[RunningServer]) -> None:
    rt = Runtime.for_user(apps[0], **UPLOADS_ON)
    attachment = _upload(rt)
    calls = [
        _runtime_call(rt, apps[n % len(apps)], "threads.create", input=text_input(f"n{n}", [attachment]))
        for n in range(20)
    ]
    responses = asyncio.run(_burst(calls))
    streams = [decode_events(r.content) for r in responses if r.status_code == 200]
    refused = [r for r in responses if r.status_code != 200]
    winners = [thread for events in streams for thread in _sent_in(events)]
    assert len(winners) == 1, winners
    # A loser is refused before its stream starts (the attachment was already sent) or in it, as a 404-like
    # error event, with nothing saved: no thread of its own.
    for r in refused:
        assert r.json()["error"]["code"] == "attachment_not_found"
    losers = [events for events in streams if not _sent_in(events)]
    assert all([e.type for e in events] == ["error"] for events in losers), losers
    threads = rt.json("threads.list", limit=50)["data"]
    assert [t["id"] for t in threads] == winners
    (row,) = _in_db(apps[0].settings, rt.session["id"])
    assert row.thread_id == winners[0]


def test_one_attachment_lands_in_one_existing_thread(apps: list[RunningServer]) -> None:
    rt = Runtime.for_user(apps[0], **UPLOADS_ON)
    attachment = _upload(rt)
    threads = [rt.create_thread(f"thread {n}")[0] for n in range(20)]
    calls = [
        _runtime_call(
            rt, apps[n % len(apps)], "threads.add_user_message", thread_id=t, input=text_input("see", [attachment])
        )
        for n, t in enumerate(threads)
    ]
    responses = asyncio.run(_burst(calls))
    winners = [t for r in responses if r.status_code == 200 for t in _sent_in(decode_events(r.content))]
    assert len(winners) == 1, winners
    (row,) = _in_db(apps[0].settings, rt.session["id"])
    assert row.thread_id == winners[0]
    # Only the winning thread got the message; the others still hold their first exchange only.
    for thread_id in threads:
        items = rt.json("items.list", thread_id=thread_id, limit=50)["data"]
        users = [i for i in items if i["type"] == "user_message"]
        assert len(users) == (2 if thread_id == winners[0] else 1), (thread_id, users)


def test_session_counts_rows_in_database(apps: list[RunningServer]) -> None:
    """Deleting an attachment frees its slot (the limit counts the attachments that exist)."""
    rt = Runtime.for_user(apps[0], **LIMITED)
    first, second = _upload(rt), _upload(rt)
    assert rt.post("attachments.create", name="x", size=1, mime_type="x/y").status_code == 400
    assert rt.json("attachments.delete", attachment_id=first) == {}
    assert rt.post("attachments.create", name="x", size=1, mime_type="x/y").status_code == 200

    async def count() -> int:
        store = Store.open(apps[0].settings.resolved_database_url)
        try:
            table = schema.attachments
            rows = await store.db.read(
                select(func.count()).select_from(table).where(table.c.session_id == rt.session["id"])
            )
            return int(rows[0][0])
        finally:
            await store.close()

    assert asyncio.run(count()) == MAX_FILES and second
