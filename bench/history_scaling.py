"""Turn history cost against thread length: what a turn pays before its model call, and how long it holds the loop.

    python bench/history_scaling.py                       # SQLite, 2 .. 20,000 items, 30 turns each
    python bench/history_scaling.py --database postgresql://postgres@127.0.0.1:5432/test

For each thread length the thread is seeded through the real store (alternating user and assistant messages
of ~40 characters), then each "turn" does exactly what a workflow turn does before calling the model:
``runtime/history.py``'s ``load_window`` (newest-first pages within the default budget, validated into
``ThreadItem``\\ s in chunks) and ``workflows/history.py``'s ``to_model_input`` (the Agents SDK input, in
chunks). ``whole`` is the pre-issue-14 path for comparison: every item oldest first (up to 10,000),
validated and converted in one go.

``--turns-over-http`` measures whole turns instead: the real app (``create_app``, in a thread of this process)
with a published one-agent workflow on the fake OpenAI server (``tests/support/fake_openai.py``), one
``threads.add_user_message`` after another into a seeded thread, p50 of the whole stream; meanwhile another
thread asks ``/healthz`` over and over, and its slowest answer bounds how long any turn held the server.

The loop stall is measured by a ticker task that sleeps 1 ms and records how late it wakes: the longest
lateness during a turn is the longest time the turn kept every other request of the process waiting. Per
length the median and the 90th percentile over the turns of that per-turn worst are reported (on a loaded
machine the maximum is the operating system's scheduling, not the turn).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from contextlib import ExitStack
from pathlib import Path

from chatkit.types import (
    ThreadItem,
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.seed import exchange_item

from chatkit_host.server import ids
from chatkit_host.server.runtime.convert import item_from_record, item_record
from chatkit_host.server.runtime.history import load_window
from chatkit_host.server.store import Store, ThreadRecord
from chatkit_host.server.store.migrate import upgrade
from chatkit_host.server.workflows.history import HistoryConverter, to_model_input

LENGTHS = (2, 200, 2_000, 20_000)


async def append(store: Store, thread_id: str, length: int) -> str:
    """``length`` more items in the thread, ending on a user message; returns the last one's id."""
    last = ""
    for start in range(0, length, 2_000):
        # Odd lengths end on a user message: the turn's input.
        batch = [
            exchange_item(
                thread_id,
                n + (length % 2 == 0),
                "question number {n}: what happens next here?",
                "answer number {n}: this is what happens next.",
            )
            for n in range(start, min(start + 2_000, length))
        ]
        last = batch[-1].id
        await store.save_records(items=[item_record(i) for i in batch])
    return last


async def seed(store: Store, length: int) -> tuple[str, str]:
    """A thread of ``length`` items; returns its id and its last (user) item's id."""
    now = time.time()
    thread_id = ids.new_id(ids.THREAD)
    await store.save_thread(
        ThreadRecord(
            id=thread_id,
            user="bench",
            session_id=None,
            title=None,
            status="active",
            status_reason=None,
            created_at=now,
            updated_at=now,
        )
    )
    return thread_id, await append(store, thread_id, length)


async def whole(store: Store, thread_id: str, converter: HistoryConverter) -> int:
    items: list[ThreadItem] = []
    after: str | None = None
    while len(items) < 10_000:
        page = await store.list_items(thread_id, after=after, before=None, limit=200, order="asc")
        items.extend(item_from_record(r) for r in page.data)
        if not page.has_more or not page.data:
            break
        after = page.data[-1].id
    return len(await converter.to_agent_input(items))


async def window(store: Store, thread_id: str, input_id: str, converter: HistoryConverter) -> int:
    items = await load_window(store, thread_id, input_id=input_id, max_tokens=None)
    return len(await to_model_input(converter, items))


async def ticker(stop: asyncio.Event) -> float:
    """How late, at worst, a 1 ms sleep woke until ``stop`` is set."""
    worst = 0.0
    while not stop.is_set():
        before = time.perf_counter()
        await asyncio.sleep(0.001)
        worst = max(worst, time.perf_counter() - before - 0.001)
    return worst


async def measure(store: Store, turns: int, variant: str, length: int) -> tuple[float, float, float, int]:
    thread_id, input_id = await seed(store, length)
    converter = HistoryConverter()
    stalls: list[float] = []
    walls: list[float] = []
    sent = 0
    for _ in range(turns):
        stop = asyncio.Event()
        tick = asyncio.create_task(ticker(stop))
        await asyncio.sleep(0.002)
        start = time.perf_counter()
        if variant == "whole":
            sent = await whole(store, thread_id, converter)
        else:
            sent = await window(store, thread_id, input_id, converter)
        walls.append(time.perf_counter() - start)
        stop.set()
        stalls.append(await tick)
    stalls.sort()
    return (
        statistics.median(walls) * 1000,
        statistics.median(stalls) * 1000,
        stalls[int(len(stalls) * 0.9)] * 1000,
        sent,
    )


def over_http(lengths: list[int], turns: int) -> None:
    from tests.support.fake_openai import start_fake_openai
    from tests.support.runtime import text_input
    from tests.support.servers import start_app
    from tests.support.workflows import publish, runtime

    print("| thread items | turn p50 ms | turn p90 ms | slowest /healthz during the turns ms |")
    print("|---:|---:|---:|---:|")
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp:
        fake = start_fake_openai(stack)
        server = start_app(stack, Path(tmp), openai_base_url=fake.base_url + "/v1", openai_api="chat_completions")
        publish(server, "agents:\n  - name: helper\n    instructions: Answer.\n", "bench")
        rt = runtime(server, {"id": "bench"})
        health = server.client(timeout=30)
        for length in lengths:
            thread_id, _ = rt.create_thread("Start.")

            async def grow(thread_id: str = thread_id, length: int = length) -> None:
                store = Store.open(server.settings.resolved_database_url)
                try:
                    await append(store, thread_id, length)
                finally:
                    await store.close()

            asyncio.run(grow())
            stop = threading.Event()
            slowest = [0.0]

            def probe(stop: threading.Event = stop, slowest: list[float] = slowest) -> None:
                while not stop.is_set():
                    start = time.perf_counter()
                    health.get("/healthz")
                    slowest[0] = max(slowest[0], time.perf_counter() - start)
                    time.sleep(0.002)

            prober = threading.Thread(target=probe)
            prober.start()
            walls = []
            for n in range(turns):
                start = time.perf_counter()
                rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input(f"Question {n}?"))
                walls.append(time.perf_counter() - start)
            stop.set()
            prober.join()
            walls.sort()
            p50, p90 = statistics.median(walls) * 1000, walls[int(len(walls) * 0.9)] * 1000
            print(f"| {length:,} | {p50:.1f} | {p90:.1f} | {slowest[0] * 1000:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default=None, help="database URL (default: a fresh SQLite file)")
    parser.add_argument("--turns", type=int, default=30)
    parser.add_argument("--lengths", type=int, nargs="*", default=list(LENGTHS))
    parser.add_argument("--whole", action="store_true", help="also measure the pre-issue-14 whole-thread path")
    parser.add_argument("--turns-over-http", action="store_true", help="whole turns through the real app instead")
    args = parser.parse_args()
    if args.turns_over_http:
        over_http(args.lengths, args.turns)
    else:
        asyncio.run(in_process(args.database, args.lengths, args.turns, args.whole))


async def in_process(database: str | None, lengths: list[int], turns: int, with_whole: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = database or f"sqlite:///{tmp}/bench.db"
        await upgrade(url)
        store = Store.open(url)
        try:
            print("| variant | thread items | items sent | history p50 ms | loop stall p50 ms | loop stall p90 ms |")
            print("|---|---:|---:|---:|---:|---:|")
            for variant in ("window", "whole") if with_whole else ("window",):
                for length in lengths:
                    p50, stall, stall90, sent = await measure(store, turns, variant, length)
                    row = f"| {variant} | {length:,} | {sent:,} | {p50:.1f} | {stall:.1f} | {stall90:.1f} |"
                    print(row, flush=True)
        finally:
            await store.close()


if __name__ == "__main__":
    main()
