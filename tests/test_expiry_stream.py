"""A session that expires while its answer streams ends that stream, as a cancelled one does."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from chatkit_host.server.runtime.stream import CANCELLED_NOTE, SESSION_EXPIRED
from chatkit_host.server.sessions.watch import SessionWatcher
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import ItemRecord, Store
from tests.support.runtime import EVENT, Runtime, text_input
from tests.support.servers import RunningServer

#: The answer takes about 11 s (some 220 words, 0.05 s apart, 100 repeats): far longer than the session lives.
WORD_DELAY = 0.05
#: Short enough to expire mid-answer, long enough that the request starts before it on a loaded machine.
LIFETIME_SECONDS = 2


@pytest.fixture
def word_delay() -> float:
    """Slows ``slow_server`` (tests/conftest.py) down to this module's pace."""
    return WORD_DELAY


def _stored_items(settings: Settings, thread_id: str) -> list[ItemRecord]:
    async def run() -> list[ItemRecord]:
        store = Store.open(settings.resolved_database_url)
        try:
            page = await store.list_items(thread_id, after=None, before=None, limit=100, order="asc")
            return page.data
        finally:
            await store.close()

    return asyncio.run(run())


def test_a_session_that_expires_mid_answer_ends_its_stream(slow_server: RunningServer) -> None:
    rt = Runtime.for_user(slow_server, expires_after={"anchor": "created_at", "seconds": LIFETIME_SECONDS})
    body = {"type": "threads.create", "params": {"input": text_input("keep talking")}}
    events: list[Any] = []
    received = ""
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if not line:
                continue
            event = EVENT.validate_json(line.removeprefix("data: "))
            events.append(event)
            if event.type == "thread.item.updated" and event.update.type == "assistant_message.content_part.text_delta":
                received += event.update.delta
    thread_id = events[0].thread.id
    last = events[-1]
    # The same in-band shape as a cancelled session's, with its own message.
    assert last.type == "error" and last.code == "custom" and last.allow_retry is False
    assert last.message == SESSION_EXPIRED
    assert not any(e.type == "thread.item.done" and e.item.type == "assistant_message" for e in events)
    assert received, "the answer had started before the session expired"
    assert rt.error("threads.list", 401)["code"] == "session_expired"

    # Kept as far as it got, with the note that tells the next turn it was cut short.
    stored = _stored_items(slow_server.settings, thread_id)
    assert [r.type for r in stored] == ["user_message", "assistant_message", "sdk_hidden_context"]
    saved = json.loads(stored[1].data)["content"][0]["text"]
    assert saved == received
    assert json.loads(stored[2].data)["content"] == CANCELLED_NOTE


async def _stream_forever() -> None:
    await asyncio.Event().wait()


def test_the_expiry_timer_trips_a_watch_without_polling(tmp_path: Path) -> None:
    """The poller never runs here (its interval is an hour), so only the timer can end the task."""

    async def run() -> None:
        store = Store.open(f"sqlite:///{tmp_path / 'unread.db'}")
        watcher = SessionWatcher(interval=3600)
        try:
            watches = []

            async def watched(expires_in: float) -> None:
                watches.append(watcher.watch(store, "cksess_unused", expires_in))
                await _stream_forever()

            task = asyncio.create_task(watched(0.05))
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(task, timeout=10)
            assert watches[0].reason == "expired"

            # A released watch no longer trips: the stream ended before the session did.
            long = asyncio.create_task(watched(0.2))
            await asyncio.sleep(0)
            watcher.release(watches[1])
            await asyncio.sleep(0.4)
            assert not long.done() and watches[1].reason is None
            long.cancel()
        finally:
            await store.close()

    asyncio.run(run())
