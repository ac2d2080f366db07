"""The database door of the store: group commit, per-write rollback whatever a write raises, one SQLite writer."""

from __future__ import annotations

import asyncio
import dataclasses
import sqlite3
from contextlib import ExitStack, closing
from pathlib import Path

import pytest
from sqlalchemy import Connection, insert, select
from sqlalchemy.engine import make_url

from chatkit_host.server import ids
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import SessionRecord, Store, StoreConflict, schema
from chatkit_host.server.store.migrate import upgrade
from chatkit_host.server.store.records import ItemRecord, Order
from chatkit_host.server.store.sqlite import SQLiteDatabase
from tests.support.seed import _seed
from tests.support.servers import MakeServer, RunningServer
from tests.support.services import fresh_postgres_url
from tests.support.workflows import publish


def _session(secret_hash: str) -> SessionRecord:
    return SessionRecord(
        id=ids.new_id(ids.SESSION),
        secret_hash=secret_hash,
        user="u",
        workflow_id="default",
        workflow_version=None,
        state_variables={"plan": "pro"},
        tracing_enabled=True,
        created_at=1.0,
        expires_at=601.0,
        cancelled_at=None,
        max_requests_per_1_minute=10,
        titling_enabled=True,
        upload_enabled=False,
        max_file_size_mb=512,
        max_files=10,
        history_enabled=True,
        recent_threads=None,
    )


async def _open(tmp_path: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'direct.db'}"
    await upgrade(url)
    store = Store.open(url)
    assert isinstance(store.db, SQLiteDatabase)
    return store


def test_concurrent_writes_share_commits_and_a_failing_one_fails_alone(tmp_path: Path, backend: str) -> None:
    # Writes of one event-loop turn share a transaction (SQLite: a batch on the writer thread; PostgreSQL: one
    # executemany); a conflict inside the batch must fail only its own write.
    async def scenario(url: str) -> None:
        await upgrade(url)
        store = Store.open(url)
        try:
            records = [_session(f"hash-{n}") for n in range(60)]
            # Same secret hash as another session in the same batch: violates the unique index.
            clash = dataclasses.replace(records[7], id=ids.new_id(ids.SESSION))
            outcomes = await asyncio.gather(
                *(store.create_session(r) for r in records[:30]),
                store.create_session(clash),
                *(store.create_session(r) for r in records[30:]),
                return_exceptions=True,
            )
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            assert len(failures) == 1 and outcomes[30] is failures[0] and isinstance(failures[0], StoreConflict)
            for record in records:
                assert await store.get_session(record.id) == record
            assert await store.get_session(clash.id) is None
            # A batch without conflicts commits every write.
            more = [_session(f"more-{n}") for n in range(40)]
            await asyncio.gather(*(store.create_session(r) for r in more))
            assert [await store.get_session(r.id) for r in more] == more
        finally:
            await store.close()

    with ExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'direct.db'}" if backend == "sqlite" else fresh_postgres_url(stack)
        asyncio.run(scenario(url))


def test_a_write_waits_for_another_writer_instead_of_failing(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = await _open(tmp_path)
        # Another process's writer (a ``chatkit-host db`` command, say) holds the write lock.
        other = sqlite3.connect(tmp_path / "direct.db", isolation_level=None)
        try:
            record = _session("while-locked")
            other.execute("BEGIN IMMEDIATE")
            pending = asyncio.create_task(store.create_session(record))
            await asyncio.sleep(0.2)
            # The event loop kept running (this coroutine resumed) and the write has not jumped the lock.
            assert not pending.done()
            other.execute("COMMIT")
            await asyncio.wait_for(pending, 15)
            assert await store.get_session(record.id) == record
        finally:
            other.close()
            await store.close()

    asyncio.run(scenario())


def test_a_write_that_raises_outside_the_drivers_errors_fails_alone(tmp_path: Path, backend: str) -> None:
    # Issue 13 item 3: an integer no column can hold (2^63) raises OverflowError on SQLite (DataError on
    # asyncpg) while binding, inside the writer's batch. Only that write may fail: the valid writes of the
    # same batch commit, and so does the next write (the writer must not be left inside a transaction).
    async def scenario(url: str) -> None:
        await upgrade(url)
        store = Store.open(url)
        try:
            records = [_session(f"ok-{n}") for n in range(20)]
            bad = dataclasses.replace(_session("too-big"), max_requests_per_1_minute=2**63)
            outcomes = await asyncio.gather(
                *(store.create_session(r) for r in records[:10]),
                store.create_session(bad),
                *(store.create_session(r) for r in records[10:]),
                return_exceptions=True,
            )
            failures = [o for o in outcomes if isinstance(o, BaseException)]
            assert len(failures) == 1 and outcomes[10] is failures[0] and not isinstance(failures[0], StoreConflict)
            assert [await store.get_session(r.id) for r in records] == records
            assert await store.get_session(bad.id) is None
            after = _session("after")
            await store.create_session(after)
            assert await store.get_session(after.id) == after
        finally:
            await store.close()

    with ExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'direct.db'}" if backend == "sqlite" else fresh_postgres_url(stack)
        asyncio.run(scenario(url))


def test_a_failing_transaction_or_multi_statement_write_rolls_back_alone(tmp_path: Path, backend: str) -> None:
    # A transaction that wrote and then raised (on SQLite it runs in the writer's batch, beside other writes)
    # leaves nothing behind and takes no concurrent write with it; nor does a two-statement write whose
    # second statement cannot be bound.
    async def scenario(url: str) -> None:
        await upgrade(url)
        store = Store.open(url)
        db = store.db
        table = schema.sessions
        try:
            doomed = _session("doomed")

            def write_then_fail(conn: Connection) -> None:
                values = doomed.__dict__ | {"state_variables": None}
                conn.execute(insert(table).values(values))
                assert conn.execute(select(table.c.id).where(table.c.id == doomed.id)).first()
                raise RuntimeError("changed its mind")

            innocent = _session("innocent")
            outcomes = await asyncio.gather(
                db.transaction(write_then_fail), store.create_session(innocent), return_exceptions=True
            )
            assert isinstance(outcomes[0], RuntimeError) and outcomes[1] is None
            assert await store.get_session(doomed.id) is None
            assert await store.get_session(innocent.id) == innocent

            first, second = _session("first-of-two"), _session("second-of-two")
            statements = [
                db.statement(("test insert", n), lambda: insert(table), values, list(values))
                for n, values in enumerate(
                    r.__dict__ | {"state_variables": None, "max_files": too_big}
                    for r, too_big in ((first, 1), (second, 2**63))
                )
            ]
            neighbour = _session("neighbour")
            outcomes = await asyncio.gather(
                db.write(statements), store.create_session(neighbour), return_exceptions=True
            )
            assert isinstance(outcomes[0], Exception) and outcomes[1] is None
            assert await store.get_session(first.id) is None
            assert await store.get_session(neighbour.id) == neighbour
        finally:
            await store.close()

    with ExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'direct.db'}" if backend == "sqlite" else fresh_postgres_url(stack)
        asyncio.run(scenario(url))


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_direct_reads_see_writes_of_other_connections(tmp_path: Path, order: Order) -> None:
    async def scenario() -> None:
        settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'direct.db'}")
        await upgrade(settings.resolved_database_url)
        created = await _seed(settings, ["a", "b", "a"], 0)  # written by another Store, as another process would
        store = Store.open(settings.resolved_database_url)
        try:
            page = await store.list_threads(user="a", after=None, before=None, limit=5, order=order)
            expected = [created[0], created[2]]
            assert [t.id for t in page.data] == (expected if order == "asc" else expected[::-1])
            assert not page.has_more
        finally:
            await store.close()

    asyncio.run(scenario())


def test_an_item_id_from_another_thread_is_refused_not_silently_dropped(tmp_path: Path, backend: str) -> None:
    async def scenario(url: str) -> None:
        settings = Settings(data_dir=tmp_path, database_url=url)
        await upgrade(url)
        first, second = await _seed(settings, ["a", "a"], 0)
        store = Store.open(url)
        try:
            item = ItemRecord(id="msg_1", thread_id=first, type="user_message", created_at=1.0, data='{"v": 1}')
            await store.save_item(item)
            await store.save_item(dataclasses.replace(item, data='{"v": 2}'))  # same thread: an update
            with pytest.raises(StoreConflict):
                await store.save_item(dataclasses.replace(item, thread_id=second, data='{"v": 3}'))
            assert await store.get_item(first, "msg_1") == dataclasses.replace(item, data='{"v": 2}')
            assert (await store.list_items(second, after=None, before=None, limit=5, order="asc")).data == []
        finally:
            await store.close()

    with ExitStack() as stack:
        url = f"sqlite:///{tmp_path / 'direct.db'}" if backend == "sqlite" else fresh_postgres_url(stack)
        asyncio.run(scenario(url))


def test_a_new_database_file_is_in_wal_mode(make_server: MakeServer) -> None:
    # WAL is what lets readers run while a write commits; it must hold from the very first start.
    server = make_server()
    path = Path(str(make_url(server.settings.resolved_database_url).database))
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_write_ahead_log_stays_bounded_under_sustained_writes(tmp_path: Path) -> None:
    # Checkpoints must keep up with a steady stream of commits, or the WAL (and every read's search of it)
    # grows without bound: 20,000 sessions write ~40 MB of WAL frames; the log is reused after checkpoints.
    async def scenario() -> None:
        store = await _open(tmp_path)
        try:
            for batch in range(200):
                await asyncio.gather(*(store.create_session(_session(f"h-{batch}-{n}")) for n in range(100)))
            wal = tmp_path / "direct.db-wal"
            assert wal.stat().st_size < 16 * 1024 * 1024
        finally:
            await store.close()

    asyncio.run(scenario())


RACER_YAML = "agents:\n  - name: racer\n    instructions: Answer.\n"


def test_a_version_number_taken_meanwhile_is_a_conflict_answered_409(server: RunningServer) -> None:
    # Another replica took version 2 between this publish's read of the count and its insert: the database
    # door turns the driver's unique violation into StoreConflict, the REST edge into OpenAI's 409 envelope.
    publish(server, RACER_YAML, "racer")

    async def take_version_two() -> None:
        store = Store.open(server.settings.resolved_database_url)
        try:
            values = {"workflow_id": "racer", "version": 2, "format": "yaml", "source": RACER_YAML}
            values |= {"id": ids.new_id("wfv"), "sha256": "0" * 64, "summary": "{}", "created_at": 2.0}
            await store.db.execute(insert(schema.workflow_versions).values(values))
        finally:
            await store.close()

    asyncio.run(take_version_two())
    response = server.admin().post(
        "/v1/chatkit/workflows/racer/versions", json={"format": "yaml", "source": RACER_YAML}
    )
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["message"] == "Another version was published at the same time; retry." and error["param"] == "id"
    # Nothing of the refused publish was written: the workflow still counts one version of its own.
    workflow = server.admin().get("/v1/chatkit/workflows/racer").json()
    assert (workflow["latest_version"], workflow["version_count"]) == ("1", 1)
