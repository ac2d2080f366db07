"""A database blip at the end of a turn (issue 14, item 4): the finished answer is saved once the database is back.

The test takes its own fresh PostgreSQL database away for three seconds while an answer streams (it stops
taking connections and its open ones are terminated), so the turn's final save meets the outage; it is retried
until the database is back, and the thread keeps the whole answer.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from urllib.parse import urlparse

import asyncpg
import pytest

from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.runtime import text_input
from tests.support.servers import MakeServer
from tests.support.services import POSTGRES_URL
from tests.support.workflows import provider_server, publish, runtime

pytestmark = pytest.mark.postgres

WORKFLOW = """\
agents:
  - name: helper
    instructions: "Answer."
"""
#: 30 chunks 50 ms apart: the answer finishes ~1.5 s into the 3 s outage.
ANSWER = "".join(f"a{n:02d} " for n in range(30))


async def _outage(database: str, seconds: float) -> None:
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            database,
        )
        await asyncio.sleep(seconds)
    finally:
        await admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true')
        await admin.close()


def test_the_final_save_outlasts_a_database_outage(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai, backend="postgres")
    database = urlparse(server.settings.database_url).path.lstrip("/")
    publish(server, WORKFLOW, "chat")
    fake_openai.script(Reply(text="Hello."), Reply(text=ANSWER, chunk_delay=0.05))
    rt = runtime(server, {"id": "chat"})
    thread_id, _ = rt.create_thread("Hi.")
    outage: threading.Thread | None = None
    done_text = None
    started = time.monotonic()
    body = {"type": "threads.add_user_message", "params": {"thread_id": thread_id, "input": text_input("Go.")}}
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            event = json.loads(line[6:])
            if event["type"] == "thread.item.added" and outage is None:
                outage = threading.Thread(target=asyncio.run, args=(_outage(database, 3.0),))
                outage.start()
            if event["type"] == "thread.item.done" and event["item"]["type"] == "assistant_message":
                done_text = event["item"]["content"][0]["text"]
            assert event["type"] != "error", event
    assert outage is not None
    outage.join()
    assert done_text == ANSWER
    assert time.monotonic() - started < 25  # bounded by the retry schedule, not by the outage's end alone
    thread = rt.json("threads.get_by_id", thread_id=thread_id)
    texts = ["".join(p.get("text", "") for p in i["content"]) for i in thread["items"]["data"]]
    assert texts == ["Hi.", "Hello.", "Go.", ANSWER]
