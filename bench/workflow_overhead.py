"""Workflow engine overhead: one turn through ``WorkflowEngine.respond`` vs. one direct model call.

    python bench/workflow_overhead.py                  # 300 turns per variant, SQLite
    python bench/workflow_overhead.py --turns 1000 --database postgresql://postgres@127.0.0.1:5432/test

All variants talk to the same fake OpenAI-compatible server (``tests/support/fake_openai.py`` in its own process,
streaming Chat Completions over loopback HTTP, same reply) from one process and event loop, and are
interleaved turn by turn so drift affects them equally:

  * direct: ``AsyncOpenAI.chat.completions.create(stream=True)`` with the same instructions and message,
    consuming every chunk — the least any server must do to get an answer from the model.
  * model: the Agents SDK's model layer alone, ``OpenAIChatCompletionsModel.stream_response`` (Chat
    Completions chunks turned into Responses-format events) — what the engine's fast path calls.
  * sdk: a bare Agents SDK ``Runner.run_streamed`` of one agent on the SDK's own Chat Completions model,
    tracing off — what any Agents SDK based server pays before doing anything of its own.
  * engine: the whole workflow engine for one turn of a published one-agent YAML workflow: version lookup
    (cached), history conversion, state templating, the model call (a text-only agent takes the engine's
    fast path, ``src/chatkit_host/server/workflows/single_call.py``), mapping to ChatKit events with runtime-minted
    ids, and handing the trace (spans) and usage rows to the background writer, whose inserts run on the
    same loop during the measurement. ``--no-tracing`` measures without spans.
  * runner: the same engine turn for the same workflow plus a tool the model never calls, which sends it
    through the SDK's ``Runner`` (what workflows with tools, handoffs or guardrails pay).

Each variant's CPU time (``time.process_time``, this process's threads) is reported beside its wall time:
when they are close, the cost is work, not waiting.

The figure of merit is p50(engine) - p50(direct): the milliseconds the engine adds per turn (target < 5),
split into the SDK's model layer (model - direct) and chatkit-host's own share (engine - model).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from agents import Agent, ModelSettings, RunConfig, Runner
from agents.models.interface import ModelTracing
from agents.models.openai_chatcompletions import OpenAIChatCompletionsModel
from chatkit.types import InferenceOptions, ThreadItem, ThreadMetadata, UserMessageItem, UserMessageTextContent
from openai import AsyncOpenAI

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.servers import free_port, wait_until_responds

from chatkit_host.server import ids
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import Store
from chatkit_host.server.store.migrate import upgrade
from chatkit_host.server.store.records import SessionRecord
from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.setup import open_workflows

FAKE_SERVER = Path(__file__).with_name("workflow_fake_server.py")
INSTRUCTIONS = "You are a helpful assistant for Acme customers on the gold plan."
WORKFLOW = """
agents:
  - name: assistant
    model: fake-model
    instructions: "You are a helpful assistant for Acme customers on the {{ state.tier }} plan."
state_variables:
  tier: {type: string, default: gold}
"""
#: The same workflow with a tool the model never calls: the engine runs it through the SDK's Runner.
WORKFLOW_WITH_TOOL = WORKFLOW.replace("\nstate_variables:", "\n    tools: [{builtin: current_time}]\nstate_variables:")
QUESTION = "Where is my order?"
ANSWER = "Your order A100 shipped on Monday and should arrive within three working days."


def session(tracing: bool, workflow_id: str = "bench") -> SessionRecord:
    now = time.time()
    return SessionRecord(
        id=ids.new_id(ids.SESSION),
        secret_hash="x" * 64,
        user="bench",
        workflow_id=workflow_id,
        workflow_version="1",
        state_variables=None,
        tracing_enabled=tracing,
        created_at=now,
        expires_at=now + 600,
        cancelled_at=None,
        max_requests_per_1_minute=10,
        titling_enabled=False,
        upload_enabled=False,
        max_file_size_mb=1,
        max_files=1,
        history_enabled=True,
        recent_threads=None,
    )


def turn(record: SessionRecord) -> Turn:
    thread = ThreadMetadata(id=ids.new_id(ids.THREAD), created_at=datetime.now())
    message = UserMessageItem(
        id=ids.new_id(ids.ITEM),
        thread_id=thread.id,
        created_at=datetime.now(),
        content=[UserMessageTextContent(text=QUESTION)],
        attachments=[],
        inference_options=InferenceOptions(),
    )
    history: list[ThreadItem] = [message]

    async def load_history(max_tokens: int | None = None) -> list[ThreadItem]:
        return history

    return Turn(
        session=record,
        thread=thread,
        input=message,
        load_history=load_history,
        new_item_id=lambda _kind: ids.new_id(ids.ITEM),
    )


async def direct_call(client: AsyncOpenAI) -> str:
    stream = await client.chat.completions.create(
        model="fake-model",
        messages=[{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": QUESTION}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text = ""
    async for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            text += chunk.choices[0].delta.content
    return text


async def model_call(model: OpenAIChatCompletionsModel) -> str:
    text = ""
    async for event in model.stream_response(
        INSTRUCTIONS,
        [{"role": "user", "content": QUESTION}],
        ModelSettings(include_usage=True),
        [],
        None,
        [],
        ModelTracing.DISABLED,
        previous_response_id=None,
        conversation_id=None,
        prompt=None,
    ):
        if event.type == "response.output_text.delta":
            text += event.delta
    return text


async def sdk_run(agent: Any) -> str:
    result = Runner.run_streamed(agent, QUESTION, run_config=RunConfig(tracing_disabled=True))
    async for _ in result.stream_events():
        pass
    return str(result.final_output)


async def engine_turn(engine: Any, record: SessionRecord) -> str:
    text = ""
    async for event in engine.respond(turn(record)):
        if event.type == "thread.item.done" and event.item.type == "assistant_message":
            text = event.item.content[0].text
    return text


@contextmanager
def fake_server() -> Iterator[str]:
    """The fake model in its own process (``workflow_fake_server.py``), so it does not share our GIL."""
    port = free_port()
    command = [sys.executable, str(FAKE_SERVER), "--port", str(port), "--text", ANSWER]
    process = subprocess.Popen(command)
    try:
        wait_until_responds(f"http://127.0.0.1:{port}/v1/models")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


Samples = dict[str, tuple[list[float], list[float]]]


async def run(base_url: str, database_url: str, turns: int, tracing: bool) -> Samples:
    """Per variant, wall and CPU milliseconds of every measured turn."""
    await upgrade(database_url)
    store = Store.open(database_url)
    settings = Settings(openai_base_url=base_url + "/v1", openai_api="chat_completions")
    workflows = await open_workflows(settings, store)
    client = AsyncOpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0)
    try:
        await workflows.registry.publish("bench", None, "yaml", WORKFLOW, True, time.time())
        await workflows.registry.publish("bench-runner", None, "yaml", WORKFLOW_WITH_TOOL, True, time.time())
        record, runner_record = session(tracing), session(tracing, "bench-runner")
        model = OpenAIChatCompletionsModel("fake-model", client)
        agent: Agent[Any] = Agent(name="assistant", instructions=INSTRUCTIONS, model=model)
        variants = {
            "direct": lambda: direct_call(client),
            "model": lambda: model_call(model),
            "sdk": lambda: sdk_run(agent),
            "engine": lambda: engine_turn(workflows.engine, record),
            "runner": lambda: engine_turn(workflows.engine, runner_record),
        }
        # Warm-up: connections, the compiled workflows, cache-warm code paths.
        for _ in range(20):
            for variant in variants.values():
                assert await variant() == ANSWER
        samples: Samples = {name: ([], []) for name in variants}
        names = list(variants)
        for n in range(turns):
            # Rotate the order so no variant always runs right after the same other one.
            for name in names[n % len(names) :] + names[: n % len(names)]:
                started, cpu = time.perf_counter(), time.process_time()
                await variants[name]()
                samples[name][0].append((time.perf_counter() - started) * 1000)
                samples[name][1].append((time.process_time() - cpu) * 1000)
        return samples
    finally:
        await client.close()
        await workflows.aclose()
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--turns", type=int, default=300)
    parser.add_argument("--database", default=None, help="default: a SQLite file in a temporary directory")
    parser.add_argument("--no-tracing", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        base_url = stack.enter_context(fake_server())
        database_url = args.database or f"sqlite:///{Path(tmp) / 'bench.db'}"
        samples = asyncio.run(run(base_url, database_url, args.turns, not args.no_tracing))
    p50 = {name: statistics.median(wall) for name, (wall, _) in samples.items()}
    load = os.getloadavg()[0]
    print(
        f"turns per variant: {args.turns}, tracing: {not args.no_tracing}, "
        f"database: {database_url.split(':')[0]}, "
        f"load average (1 min) after the run: {load:.1f} on {os.cpu_count()} CPUs"
    )
    for name, label in (
        ("direct", "direct model call"),
        ("model", "SDK model layer only"),
        ("sdk", "bare Agents SDK run"),
        ("engine", "workflow engine turn"),
        ("runner", "engine, Runner path"),
    ):
        wall, cpu = samples[name]
        print(
            f"{label:>22}: p50 {p50[name]:7.2f} ms   p90 {percentile(wall, 0.9):7.2f} ms   "
            f"CPU p50 {statistics.median(cpu):7.2f} ms"
        )
    added = p50["engine"] - p50["direct"]
    print(f"{'engine - direct':>22}: p50 {added:7.2f} ms   ratio {p50['engine'] / p50['direct']:.2f}x")
    print(f"{'of which SDK model':>22}: p50 {p50['model'] - p50['direct']:7.2f} ms")
    print(f"{'of which chatkit-host':>22}: p50 {p50['engine'] - p50['model']:7.2f} ms")
    print(f"{'Runner path - direct':>22}: p50 {p50['runner'] - p50['direct']:7.2f} ms")
    print(f"{'bare SDK run - direct':>22}: p50 {p50['sdk'] - p50['direct']:7.2f} ms")


if __name__ == "__main__":
    main()
