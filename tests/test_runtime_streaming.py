"""Streams over a real socket: incremental delivery, client disconnect, and a session cancelled mid-answer."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from chatkit_host.server.runtime.stream import CANCELLED_NOTE, SESSION_ENDED
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import Store
from tests.support.runtime import EVENT, ITEM_PAGE, Runtime, slow_responder, text_input
from tests.support.servers import MakeServer, RunningServer

#: Slow enough that a test can act while the answer is still streaming (about 6 s for the whole answer).
WORD_DELAY = 0.02
REPEAT = 100


@pytest.fixture
def word_delay() -> float:
    """The pace of ``slow_server`` (tests/conftest.py) in this module."""
    return WORD_DELAY


def _events(response: httpx.Response) -> Iterator[Any]:
    for line in response.iter_lines():
        if line:
            assert line.startswith("data: ")
            yield EVENT.validate_json(line[len("data: ") :])


def _stored_types(settings: Settings, thread_id: str) -> list[str]:
    async def run() -> list[str]:
        store = Store.open(settings.resolved_database_url)
        try:
            page = await store.list_items(thread_id, after=None, before=None, limit=100, order="asc")
            return [r.type for r in page.data]
        finally:
            await store.close()

    return asyncio.run(run())


def _wait_for(predicate: Any, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def test_client_disconnect_keeps_the_partial_answer(slow_server: RunningServer) -> None:
    rt = Runtime.for_user(slow_server)
    body = {"type": "threads.create", "params": {"input": text_input("tell me a long story")}}
    received = ""
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        assert response.status_code == 200
        thread_id = ""
        for event in _events(response):
            if event.type == "thread.created":
                thread_id = event.thread.id
            if event.type == "thread.item.updated" and event.update.type.endswith("text_delta"):
                received += event.update.delta
                if len(received) > 80:
                    break  # leaving the block closes the connection mid-answer

    def partial() -> Any:
        page = ITEM_PAGE.validate_python(rt.json("items.list", thread_id=thread_id, order="asc"))
        return [i for i in page.data if i.type == "assistant_message"]

    def kept_all_that_was_sent() -> Any:
        # The answer is saved while it streams (every 250 ms), so an earlier snapshot can be there before the
        # server has noticed the disconnect and saved what it had sent: wait for that last save.
        found = partial()
        return found if found and found[0].content[0].text.startswith(received) else None

    saved = _wait_for(kept_all_that_was_sent) or partial()
    assert saved, "the partial assistant message was not saved"
    text = saved[0].content[0].text
    assert text.startswith(received) and len(text) < 2000
    # The note for the next model turn is stored but never shown, in the runtime or in REST.
    assert _wait_for(lambda: "sdk_hidden_context" in _stored_types(slow_server.settings, thread_id))
    rest = slow_server.openai().beta.chatkit.threads.list_items(thread_id)
    assert [i.type for i in rest] == ["chatkit.assistant_message", "chatkit.user_message"]
    assert CANCELLED_NOTE not in str(rt.json("threads.get_by_id", thread_id=thread_id))


def test_cancelling_the_session_ends_its_stream(slow_server: RunningServer) -> None:
    rt = Runtime.for_user(slow_server)
    admin = slow_server.admin()
    body = {"type": "threads.create", "params": {"input": text_input("keep talking")}}
    kinds: list[str] = []
    started = time.monotonic()
    last: Any = None
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        for event in _events(response):
            kinds.append(event.type)
            if event.type == "thread.created":
                thread_id = event.thread.id
            if kinds.count("thread.item.updated") == 5:
                assert admin.post(f"/v1/chatkit/sessions/{rt.session['id']}/cancel").status_code == 200
            last = event
    elapsed = time.monotonic() - started
    assert last.type == "error" and last.message == SESSION_ENDED and last.allow_retry is False
    assert "thread.item.done" not in kinds[3:]  # the answer never completed
    assert elapsed < WORD_DELAY * REPEAT * 3, "the stream ran on after the session was cancelled"
    assert rt.error("threads.list", 401)["code"] == "session_cancelled"
    # What was streamed before the cancellation is kept.
    assert "assistant_message" in _stored_types(slow_server.settings, thread_id)


def test_events_arrive_while_the_answer_is_still_being_written(slow_server: RunningServer) -> None:
    rt = Runtime.for_user(slow_server)
    body = {"type": "threads.create", "params": {"input": text_input("stream please")}}
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        events = _events(response)
        first = next(events)
        assert first.type == "thread.created"
        # The answer is not finished yet: its items are still being produced on the server.
        stored = _stored_types(slow_server.settings, first.thread.id)
        assert "assistant_message" not in stored
        rest = list(events)
    assert rest[-1].type == "thread.updated"


def test_a_failure_after_the_stream_started_is_an_error_event(slow_server: RunningServer) -> None:
    """The thread is deleted (through REST) while its answer streams: saving the answer fails in-band."""
    rt = Runtime.for_user(slow_server)
    admin = slow_server.admin()
    body = {"type": "threads.create", "params": {"input": text_input("answer into the void")}}
    events: list[Any] = []
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        assert response.status_code == 200
        for event in _events(response):
            events.append(event)
            if event.type == "stream_options":
                thread_id = events[0].thread.id
                assert admin.delete(f"/v1/chatkit/threads/{thread_id}").status_code == 200
    assert events[-1].type == "error" and events[-1].code == "stream.error" and events[-1].allow_retry
    assert not any(e.type == "thread.item.done" and e.item.type == "assistant_message" for e in events)
    assert admin.get(f"/v1/chatkit/threads/{thread_id}").status_code == 404


@pytest.mark.postgres
def test_cancelling_through_another_replica_ends_the_stream(make_server: MakeServer) -> None:
    responder = slow_responder(WORD_DELAY, repeat=REPEAT)
    streaming = make_server(backend="postgres", responder=responder)
    other = make_server(database_url=streaming.settings.database_url, responder=responder)
    rt = Runtime.for_user(streaming)
    body = {"type": "threads.create", "params": {"input": text_input("keep talking")}}
    deltas = 0
    last: Any = None
    started = time.monotonic()
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        for event in _events(response):
            if event.type == "thread.item.updated":
                deltas += 1
                if deltas == 5:  # the cancel goes to the replica that is NOT holding the stream
                    cancel = other.admin().post(f"/v1/chatkit/sessions/{rt.session['id']}/cancel")
                    assert cancel.status_code == 200
            last = event
    assert last.type == "error" and last.message == SESSION_ENDED
    assert time.monotonic() - started < WORD_DELAY * REPEAT * 3, "the stream ran on after the cancel"
