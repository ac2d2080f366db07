"""Answers that survive (issue 14, item 3): kill -9 of a real ``chatkit-host serve`` mid-stream loses nothing.

The assistant message is saved while it streams, so after the process is killed and started again the thread
shows the partial answer, the next turn clears the dead turn's ticket and notes in the thread that the answer
was cut off, and the model reads that note. SQLite passes ``PRAGMA integrity_check`` after the kill.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from chatkit_host.server.runtime.turn_lock import CRASHED_NOTE
from chatkit_host.server.settings import Settings
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.runtime import Runtime, text_input
from tests.support.servers import CLI, RunningServer, free_port, wait_until_responds
from tests.support.services import ADMIN_KEY, fresh_postgres_url
from tests.support.workflows import publish, runtime

WORKFLOW = """\
agents:
  - name: helper
    instructions: "Answer at length."
"""
#: 100 streamed chunks of 4 characters, 50 ms apart: five seconds of answer to kill the server in.
LONG_ANSWER = "".join(f"w{n:02d} " for n in range(100))


@contextmanager
def serve(data_dir: Path, database_url: str, fake: FakeOpenAI) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``chatkit-host serve`` on a free port, its model calls going to ``fake``; killed at the end if alive."""
    port = free_port()
    env = {
        **os.environ,
        "CHATKIT_HOST_DATA_DIR": str(data_dir),
        "CHATKIT_HOST_DATABASE_URL": database_url,
        "CHATKIT_HOST_API_KEY": ADMIN_KEY,
        "CHATKIT_HOST_OPENAI_BASE_URL": fake.base_url + "/v1",
        "OPENAI_API_KEY": "sk-test",
        "CHATKIT_HOST_TURN_LEASE_SECONDS": "1",
    }
    log = (data_dir / f"serve-{port}.log").open("w")
    process = subprocess.Popen(
        [*CLI, "serve", "--port", str(port), "--workers", "1"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        wait_until_responds(f"http://127.0.0.1:{port}/healthz", timeout=90)
        yield process, f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=30)
        log.close()


def _stream_until_killed(rt: Runtime, process: subprocess.Popen[bytes]) -> tuple[str, str]:
    """Start a thread, read its answer until 0.8 s of deltas have arrived, kill -9 the server; (thread, seen)."""
    seen, thread_id, first_delta, types = "", "", 0.0, []
    body = {"type": "threads.create", "params": {"input": text_input("Tell me a long story.")}}
    try:
        with rt.http.stream("POST", "/chatkit", json=body) as response:
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                event = json.loads(line[6:])
                types.append(event["type"] if event["type"] != "error" else event)
                if event["type"] == "thread.created":
                    thread_id = event["thread"]["id"]
                elif event["type"] == "thread.item.updated" and event["update"]["type"].endswith("text_delta"):
                    seen += event["update"]["delta"]
                    first_delta = first_delta or time.monotonic()
                    if time.monotonic() - first_delta > 0.8:
                        os.kill(process.pid, signal.SIGKILL)
                        process.wait(timeout=10)
    except httpx.HTTPError:
        pass  # the connection dies with the server
    assert process.returncode == -signal.SIGKILL, f"the answer ended before the kill: {types}"
    assert thread_id and seen
    return thread_id, seen


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_kill_9_mid_stream_keeps_the_partial_answer_marked_interrupted(
    tmp_path: Path, fake_openai: FakeOpenAI, backend: str
) -> None:
    with ExitStack() as stack:
        data_dir = tmp_path / "data"
        data_dir.mkdir()
        url = f"sqlite:///{data_dir / 'chatkit.db'}" if backend == "sqlite" else fresh_postgres_url(stack)
        fake_openai.script(Reply(text=LONG_ANSWER, chunk_delay=0.05), Reply(text="Picking up again."))

        def server(base_url: str) -> RunningServer:
            return RunningServer(base_url, Settings(data_dir=data_dir), ADMIN_KEY, stack)

        with serve(data_dir, url, fake_openai) as (process, base_url):
            first = server(base_url)
            publish(first, WORKFLOW, "story")
            rt = runtime(first, {"id": "story"})
            thread_id, seen = _stream_until_killed(rt, process)

        if backend == "sqlite":
            with sqlite3.connect(data_dir / "chatkit.db") as db:
                assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]

        with serve(data_dir, url, fake_openai) as (_, base_url):
            rt = Runtime(server(base_url), rt.secret)
            # A client that reconnects sees the partial answer: what it had seen, give or take the last flush.
            thread = rt.json("threads.get_by_id", thread_id=thread_id)
            kept = [i for i in thread["items"]["data"] if i["type"] == "assistant_message"]
            assert len(kept) == 1
            partial = kept[0]["content"][0]["text"]
            assert partial and LONG_ANSWER.startswith(partial)
            assert len(partial) >= len(seen) - 60, (partial, seen)  # within ~0.25 s of deltas
            # The next turn sends the model the partial answer, the note that it was cut off, then the message.
            time.sleep(1.2)  # the dead turn's ticket outlives its 1 s lease
            rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("Please go on."))
            transcript = fake_openai.requests[-1].transcript()
            assert transcript.index(partial) < transcript.index(CRASHED_NOTE) < transcript.index("Please go on.")
