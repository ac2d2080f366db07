"""SDK client overhead: the same requests through raw httpx, ChatKitHost, AsyncChatKitHost and ``openai``.

    python bench/sdk_client.py              # 5 rounds of 1,000 sequential requests per client
    python bench/sdk_client.py --rounds 3 --requests 500

One app process (``bench/_serve.py app``, SQLite with 2,000 seeded threads) serves every client; with two or
more CPUs it is pinned to CPU 0 and this process to CPU 1. Requests are sequential on one keep-alive
connection, so the time per request is server time plus client time, and the server part is the same for
all clients. Each round measures every client once (the order rotates between rounds); medians over rounds
are reported, with each client's throughput as a ratio to raw httpx in the same round. Raw httpx does no
parsing, which is the floor; the SDK parses every answer into the shared pydantic models. Throughput on a
shared machine is noisy; the client CPU time per request (``time.process_time`` of this process) is the
steadier measure of what a client itself costs.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _seed import seed
from rest_api import serve

from chatkit_host import AsyncChatKitHost, ChatKitHost

logger = logging.getLogger("bench.sdk_client")
PATH = "/v1/chatkit/threads"
LIMIT = 20


def timed(call: Callable[[], Any], n: int) -> list[float]:
    latencies = []
    for _ in range(n):
        started = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - started)
    return latencies


def measure_sync(name: str, base_url: str, key: str, n: int) -> list[float]:
    if name == "raw httpx":
        with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {key}"}) as raw:
            return timed(lambda: raw.get(PATH, params={"limit": LIMIT}).raise_for_status().json(), n)
    if name == "ChatKitHost":
        with ChatKitHost(base_url=base_url, api_key=key, max_retries=0) as client:
            return timed(lambda: client.chatkit.threads.list(limit=LIMIT).data, n)
    from openai import OpenAI

    with OpenAI(base_url=base_url + "/v1", api_key=key, max_retries=0) as official:
        return timed(lambda: official.beta.chatkit.threads.list(limit=LIMIT).data, n)


def measure_async(base_url: str, key: str, n: int) -> list[float]:
    async def main() -> list[float]:
        async with AsyncChatKitHost(base_url=base_url, api_key=key, max_retries=0) as client:
            latencies = []
            for _ in range(n):
                started = time.perf_counter()
                page = await client.chatkit.threads.list(limit=LIMIT)
                assert len(page.data) == LIMIT
                latencies.append(time.perf_counter() - started)
            return latencies

    return asyncio.run(main())


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2000)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    # httpx logs every request at INFO; that would time the logging, not the clients.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    pin = (os.cpu_count() or 1) >= 2
    key = "ckadm_bench_" + secrets.token_urlsafe(16)
    clients = ["raw httpx", "ChatKitHost", "AsyncChatKitHost", "openai"]
    #: CPU time this process spends per request: the client's own cost, immune to server-side noise.
    cpu_per_request: dict[str, list[float]] = {name: [] for name in clients}
    with tempfile.TemporaryDirectory() as workdir:
        url = f"sqlite:///{Path(workdir) / 'sdk.db'}"
        asyncio.run(seed(url, args.threads))
        options = ["app", "--database", url, "--data-dir", str(Path(workdir) / "data"), "--api-key", key]
        with serve("app", options, "/healthz", 0 if pin else None) as server:
            if pin:
                os.sched_setaffinity(0, {1})

            def run(name: str, n: int) -> list[float]:
                cpu = time.process_time()
                if name == "AsyncChatKitHost":
                    latencies = measure_async(server.base_url, key, n)
                else:
                    latencies = measure_sync(name, server.base_url, key, n)
                cpu_per_request[name].append((time.process_time() - cpu) / n)
                return latencies

            for name in clients:  # warm-up: connections, imports, the server's statement cache
                run(name, 100)
                cpu_per_request[name].clear()
            per_round: dict[str, list[list[float]]] = {name: [] for name in clients}
            for n in range(args.rounds):
                for name in clients[n % len(clients) :] + clients[: n % len(clients)]:
                    per_round[name].append(run(name, args.requests))
                logger.info("round %d done", n + 1)

    def rate(latencies: list[float]) -> float:
        return len(latencies) / sum(latencies)

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"threads.list(limit={LIMIT}), {args.requests} sequential requests x {args.rounds} rounds, medians")
    print(f"load average at the end: {load} on {os.cpu_count()} CPUs")
    print(f"{'client':<18} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs raw httpx':>13} {'client CPU µs/req':>18}")
    for name in clients:
        rounds = per_round[name]
        ratio = statistics.median(rate(r) / rate(raw) for r, raw in zip(rounds, per_round["raw httpx"], strict=True))
        print(
            f"{name:<18} {statistics.median(rate(r) for r in rounds):>8.0f} "
            f"{statistics.median(percentile(r, 0.5) for r in rounds) * 1000:>8.2f} "
            f"{statistics.median(percentile(r, 0.99) for r in rounds) * 1000:>8.2f} {ratio:>12.2f}x "
            f"{statistics.median(cpu_per_request[name]) * 1e6:>18.0f}"
        )


if __name__ == "__main__":
    main()
