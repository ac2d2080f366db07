"""History that scales (issue 14, items 1 and 2): a turn sends the newest window of the thread, within a budget.

The threads are seeded straight through the real store (20,000 items in a few seconds); the turn itself runs
over HTTP against the real app, and what we assert on is the request the fake OpenAI server received.
"""

from __future__ import annotations

import asyncio

import pytest

from chatkit_host.server.runtime.convert import item_record
from chatkit_host.server.store import Store
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.runtime import text_input
from tests.support.seed import exchange_item
from tests.support.servers import MakeServer, RunningServer
from tests.support.workflows import provider_server, publish, reply_text, runtime

WORKFLOW = """\
agents:
  - name: helper
    instructions: "Answer."
"""


def seed_items(server: RunningServer, thread_id: str, count: int) -> None:
    """``count`` alternating user/assistant items appended to the thread, through the real store."""

    async def seed() -> None:
        store = Store.open(server.settings.resolved_database_url)
        try:
            for start in range(0, count, 2_000):
                batch = [
                    item_record(exchange_item(thread_id, n, "old question {n}", "answer {n}"))
                    for n in range(start, min(start + 2_000, count))
                ]
                await store.save_records(items=batch)
        finally:
            await store.close()

    asyncio.run(seed())


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_a_thread_of_20000_items_still_sends_the_new_message(
    make_server: MakeServer, fake_openai: FakeOpenAI, backend: str
) -> None:
    server = provider_server(make_server, fake_openai, backend=backend)
    publish(server, WORKFLOW, "long")
    rt = runtime(server, {"id": "long"})
    thread_id, _ = rt.create_thread("The first message of all.")
    seed_items(server, thread_id, 20_000)
    fake_openai.script(Reply(text="Heard you."))
    events = rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("The newest question."))
    assert reply_text(events) == "Heard you."
    transcript = fake_openai.requests[-1].transcript()
    # The new message is the last thing the model reads, right after the newest seeded exchange.
    assert transcript.rstrip().endswith("The newest question.")
    assert "answer 19999" in transcript and "old question 19998" in transcript
    # The oldest items are the ones dropped.
    assert "The first message of all." not in transcript
    assert "old question 0\n" not in transcript


def test_the_workflow_budget_drops_the_oldest_first_never_the_new_message(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = provider_server(make_server, fake_openai)
    # A seeded answer costs ~45 estimated tokens (stored JSON / 4), a user message ~65: with 150, the new
    # message and the newest answer fit, the question before them does not.
    publish(server, WORKFLOW + "history_max_tokens: 150\n", "tight")
    rt = runtime(server, {"id": "tight"})
    thread_id, _ = rt.create_thread("The first message of all.")
    seed_items(server, thread_id, 10)
    fake_openai.script(Reply(text="ok"), Reply(text="ok"))
    rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("Short question."))
    transcript = fake_openai.requests[-1].transcript()
    assert transcript.split("\n")[-2:] == ["answer 9", "Short question."]
    long_message = "word " * 400  # far over the budget alone: it is sent anyway, and alone
    rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input(long_message))
    assert fake_openai.requests[-1].transcript().strip() == long_message.strip()


def test_a_budget_that_is_not_a_positive_integer_is_refused(make_server: MakeServer) -> None:
    server = make_server()
    for bad in ("0", "-5", "lots"):
        response = server.admin().post(
            "/v1/chatkit/workflows",
            json={"id": "bad", "format": "yaml", "source": WORKFLOW + f"history_max_tokens: {bad}\n"},
        )
        assert response.status_code == 400, response.text
        assert "history_max_tokens" in response.json()["error"]["message"]
    source = 'from agents import Agent\nagent = Agent(name="a")\nHISTORY_MAX_TOKENS = 0\n'
    response = server.admin().post("/v1/chatkit/workflows", json={"id": "badpy", "format": "python", "source": source})
    assert response.status_code == 400, response.text
    assert "history_max_tokens" in response.json()["error"]["message"]
