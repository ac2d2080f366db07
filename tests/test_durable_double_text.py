"""Double-texting (issue 14, item 6): messages sent to a thread that is still answering, on two replicas.

Two app instances share one PostgreSQL database (``make_server`` with the same ``database_url``); the
workflow's ``concurrent_messages`` policy decides: ``enqueue`` (the default) runs the turns one after another
in arrival order, ``reject`` refuses the newcomer with an in-band error and saves nothing.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from chatkit_host.server.runtime.turn_lock import BUSY_MESSAGE
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.runtime import Runtime, text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.workflows import provider_server, publish, reply_text, runtime

pytestmark = pytest.mark.postgres

WORKFLOW = """\
agents:
  - name: helper
    instructions: "Answer."
"""
SLOW = "".join(f"s{n:02d} " for n in range(40))  # 40 chunks 30 ms apart: 1.2 s of answer


def replicas(make_server: MakeServer, fake: FakeOpenAI, source: str) -> tuple[RunningServer, RunningServer]:
    first = provider_server(make_server, fake, backend="postgres")
    second = provider_server(make_server, fake, database_url=first.settings.database_url)
    publish(first, source, "chat")
    return first, second


def in_background(rt: Runtime, thread_id: str, text: str, results: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        results[text] = rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input(text))

    worker = threading.Thread(target=run)
    worker.start()
    return worker


def wait_for_requests(fake: FakeOpenAI, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(fake.requests) < count:
        assert time.monotonic() < deadline, "the model was not called"
        time.sleep(0.01)


def visible_texts(rt: Runtime, thread_id: str) -> list[str]:
    page = rt.json("items.list", thread_id=thread_id, order="asc", limit=100)
    return ["".join(part.get("text", "") for part in item["content"]) for item in page["data"]]


def test_enqueue_runs_messages_one_after_another_in_arrival_order(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    first, second = replicas(make_server, fake_openai, WORKFLOW)
    fake_openai.script(
        Reply(text="Hello."), Reply(text=SLOW, chunk_delay=0.03), Reply(text="Second answer."), Reply(text="Third.")
    )
    rt_a = runtime(first, {"id": "chat"})
    rt_b = Runtime(second, rt_a.secret)
    thread_id, _ = rt_a.create_thread("Hi.")
    results: dict[str, Any] = {}
    workers = [in_background(rt_a, thread_id, "one", results)]
    wait_for_requests(fake_openai, 2)  # "one" is being answered
    workers.append(in_background(rt_b, thread_id, "two", results))  # on the other replica
    time.sleep(0.3)
    workers.append(in_background(rt_a, thread_id, "three", results))
    for worker in workers:
        worker.join(timeout=60)
    assert reply_text(results["one"]) == SLOW
    assert reply_text(results["two"]) == "Second answer."
    assert reply_text(results["three"]) == "Third."
    assert visible_texts(rt_a, thread_id) == ["Hi.", "Hello.", "one", SLOW, "two", "Second answer.", "three", "Third."]
    # Each queued turn saw the answers before it.
    assert fake_openai.requests[2].transcript().rstrip().endswith(f"one\n{SLOW}\ntwo")
    assert "Second answer." in fake_openai.requests[3].transcript()
    assert len(fake_openai.requests) == 4


def test_reject_refuses_a_message_while_the_thread_answers_and_saves_nothing(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    first, second = replicas(make_server, fake_openai, WORKFLOW + "concurrent_messages: reject\n")
    fake_openai.script(Reply(text="Hello."), Reply(text=SLOW, chunk_delay=0.03), Reply(text="Later answer."))
    rt_a = runtime(first, {"id": "chat"})
    rt_b = Runtime(second, rt_a.secret)
    thread_id, _ = rt_a.create_thread("Hi.")
    results: dict[str, Any] = {}
    worker = in_background(rt_a, thread_id, "one", results)
    wait_for_requests(fake_openai, 2)
    refused = rt_b.stream("threads.add_user_message", thread_id=thread_id, input=text_input("two"))
    assert [e.type for e in refused] == ["error"]
    assert refused[0].message == BUSY_MESSAGE and refused[0].allow_retry
    worker.join(timeout=60)
    assert reply_text(results["one"]) == SLOW
    assert visible_texts(rt_a, thread_id) == ["Hi.", "Hello.", "one", SLOW]
    # Once the answer is done the thread takes messages again, on either replica.
    events = rt_b.stream("threads.add_user_message", thread_id=thread_id, input=text_input("two"))
    assert reply_text(events) == "Later answer."
    assert len(fake_openai.requests) == 3


def test_an_unknown_policy_is_refused_when_publishing(make_server: MakeServer) -> None:
    server = make_server()
    response = server.admin().post(
        "/v1/chatkit/workflows",
        json={"id": "bad", "format": "yaml", "source": WORKFLOW + "concurrent_messages: interrupt\n"},
    )
    assert response.status_code == 400, response.text
    assert "concurrent_messages" in response.json()["error"]["message"]
