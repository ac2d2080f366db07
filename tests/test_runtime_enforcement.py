"""Every session setting holds at ``POST /chatkit``: auth, user scope, rate limit, history, titles, status."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from chatkit_host.server.settings import Settings
from chatkit_host.server.store import Store
from tests.support.runtime import THREAD_PAGE, Runtime, new_session, text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.services import REDIS_URL, require_service


def _set_status(settings: Settings, thread_id: str, status: str, reason: str | None) -> None:
    async def run() -> None:
        store = Store.open(settings.resolved_database_url)
        try:
            record = await store.get_thread(thread_id)
            assert record is not None
            await store.save_thread(dataclasses.replace(record, status=status, status_reason=reason))  # type: ignore[arg-type]
        finally:
            await store.close()

    asyncio.run(run())


def test_unknown_missing_and_admin_credentials_are_401(sqlite_server: RunningServer) -> None:
    body = {"type": "threads.list", "params": {}}
    cases = {
        None: "missing_client_secret",
        "Basic abc": "missing_client_secret",
        "Bearer cksec_not-a-real-secret": "invalid_client_secret",
        f"Bearer {sqlite_server.admin_key}": "invalid_client_secret",
    }
    for header, code in cases.items():
        headers = {"Authorization": header} if header else {}
        response = sqlite_server.client(headers=headers).post("/chatkit", json=body)
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == code


def test_expired_and_cancelled_sessions_are_refused_on_the_next_request(server: RunningServer) -> None:
    short = Runtime.for_user(server, expires_after={"anchor": "created_at", "seconds": 1})
    assert short.json("threads.list")["data"] == []
    time.sleep(1.2)
    assert short.error("threads.list", 401)["code"] == "session_expired"

    rt = Runtime.for_user(server)
    assert rt.json("threads.list")["data"] == []
    assert server.admin().post(f"/v1/chatkit/sessions/{rt.session['id']}/cancel").status_code == 200
    assert rt.error("threads.list", 401)["code"] == "session_cancelled"


def test_another_users_threads_and_items_do_not_exist_for_them(server: RunningServer) -> None:
    alice = Runtime.for_user(server, "alice")
    bob = Runtime.for_user(server, "bob")
    thread_id, events = alice.create_thread("private")
    item_id = events[1].item.id
    unknown = "cthr_01M8ATXRRT662112M2PGMRM4G2"
    for target in (thread_id, unknown):
        errors = [
            bob.error("threads.get_by_id", 404, thread_id=target),
            bob.error("items.list", 404, thread_id=target),
            bob.error("threads.add_user_message", 404, thread_id=target, input=text_input("hi")),
            bob.error("threads.update", 404, thread_id=target, title="mine"),
            bob.error("threads.delete", 404, thread_id=target),
            bob.error("items.feedback", 404, thread_id=target, item_ids=[item_id], kind="positive"),
            bob.error("threads.retry_after_item", 404, thread_id=target, item_id=item_id),
        ]
        # Same answer, whether the thread exists for someone else or not at all (only the id differs).
        assert {(e["code"], e["message"].replace(target, "ID")) for e in errors} == {
            ("thread_not_found", "Thread with id 'ID' not found.")
        }
    assert THREAD_PAGE.validate_python(bob.json("threads.list")).data == []
    assert [t.id for t in THREAD_PAGE.validate_python(alice.json("threads.list")).data] == [thread_id]
    # Another session of alice's sees her thread (history is per user by default).
    assert Runtime.for_user(server, "alice").json("threads.get_by_id", thread_id=thread_id)["id"] == thread_id


def test_the_eleventh_request_in_a_minute_gets_429(sqlite_server: RunningServer) -> None:
    session = new_session(sqlite_server)
    rt = Runtime(sqlite_server, session["client_secret"])
    assert session["max_requests_per_1_minute"] == 10
    for _ in range(10):
        assert rt.post("threads.list").status_code == 200
    response = rt.post("threads.list")
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert response.json()["error"]["type"] == "rate_limit_exceeded"
    # The budget is per session: another session of the same user is unaffected.
    assert Runtime.for_user(sqlite_server).post("threads.list").status_code == 200


@pytest.mark.redis
def test_two_instances_share_one_budget_through_redis(make_server: MakeServer) -> None:
    require_service("Redis", REDIS_URL, 6379)
    first = make_server(redis_url=REDIS_URL)
    second = make_server(redis_url=REDIS_URL, database_url=first.settings.resolved_database_url)
    secret = new_session(first, rate_limits={"max_requests_per_1_minute": 4})["client_secret"]
    on_first, on_second = Runtime(first, secret), Runtime(second, secret)
    statuses = [rt.post("threads.list").status_code for rt in (on_first, on_second, on_first, on_second)]
    assert statuses == [200, 200, 200, 200]
    assert on_first.post("threads.list").status_code == 429
    refused = on_second.post("threads.list")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_worker_processes_share_one_budget_without_redis(make_server: MakeServer) -> None:
    # `serve --workers 2` on one data directory: the budget lives in data_dir/ratelimit.db, not in each process.
    first = make_server(workers=2)
    second = make_server(workers=2, data_dir=first.settings.data_dir)
    # One request to each app first, on another session: FastAPI builds a route's models on its first request under
    # a process-wide warnings context, which two apps in one test process must not race through (see test_races).
    for server in (first, second):
        assert Runtime.for_user(server, "warm-up").post("threads.list").status_code == 200
    secret = new_session(first, rate_limits={"max_requests_per_1_minute": 5})["client_secret"]
    runtimes = [Runtime(first, secret), Runtime(second, secret)]
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda n: runtimes[n % 2].post("threads.list").status_code, range(20)))
    assert sorted(statuses) == [200] * 5 + [429] * 15
    assert (first.settings.data_dir / "ratelimit.db").exists()


def test_one_process_keeps_its_budget_in_memory(make_server: MakeServer) -> None:
    server = make_server()
    secret = new_session(server, rate_limits={"max_requests_per_1_minute": 2})["client_secret"]
    rt = Runtime(server, secret)
    assert [rt.post("threads.list").status_code for _ in range(3)] == [200, 200, 429]
    assert not (server.settings.data_dir / "ratelimit.db").exists()


def test_history_disabled_shows_only_this_sessions_threads(server: RunningServer) -> None:
    earlier = Runtime.for_user(server, "carol")
    old_thread, _ = earlier.create_thread("from an earlier session")
    rt = Runtime.for_user(server, "carol", chatkit_configuration={"history": {"enabled": False}})
    own, _ = rt.create_thread("from this session")
    assert [t.id for t in THREAD_PAGE.validate_python(rt.json("threads.list")).data] == [own]
    assert rt.error("threads.get_by_id", 404, thread_id=old_thread)["code"] == "thread_not_found"
    assert rt.error("threads.add_user_message", 404, thread_id=old_thread, input=text_input("x"))


def test_recent_threads_limits_what_the_session_reaches(server: RunningServer) -> None:
    writer = Runtime.for_user(server, "dave")
    created = [writer.create_thread(f"number {n}")[0] for n in range(4)]
    rt = Runtime.for_user(server, "dave", chatkit_configuration={"history": {"recent_threads": 2}})
    listed = THREAD_PAGE.validate_python(rt.json("threads.list", limit=10)).data
    assert [t.id for t in listed] == [created[3], created[2]]
    assert rt.json("threads.get_by_id", thread_id=created[2])["id"] == created[2]
    assert rt.error("threads.get_by_id", 404, thread_id=created[1])["code"] == "thread_not_found"
    assert rt.error("items.list", 404, thread_id=created[0])["code"] == "thread_not_found"


def test_titling_can_be_turned_off(server: RunningServer) -> None:
    rt = Runtime.for_user(server, chatkit_configuration={"automatic_thread_titling": {"enabled": False}})
    thread_id, events = rt.create_thread("no title please")
    assert not any(e.type == "thread.updated" for e in events)
    assert rt.json("threads.get_by_id", thread_id=thread_id).get("title") is None
    assert server.openai().beta.chatkit.threads.retrieve(thread_id).title is None


@pytest.mark.parametrize("status", ["locked", "closed"])
def test_locked_and_closed_threads_refuse_input(server: RunningServer, status: str) -> None:
    rt = Runtime.for_user(server)
    thread_id, events = rt.create_thread("soon frozen")
    _set_status(server.settings, thread_id, status, "moderation")
    error = rt.error("threads.add_user_message", 400, thread_id=thread_id, input=text_input("more"))
    assert error["code"] == f"thread_{status}" and "moderation" in error["message"]
    retry = rt.error("threads.retry_after_item", 400, thread_id=thread_id, item_id=events[1].item.id)
    assert retry["code"] == f"thread_{status}"
    thread = rt.json("threads.get_by_id", thread_id=thread_id)
    assert thread["status"] == {"type": status, "reason": "moderation"}
    assert server.openai().beta.chatkit.threads.retrieve(thread_id).status.type == status
