"""Runtime benchmark: chatkit-host's ``POST /chatkit`` against a minimal openai-chatkit server, same run.

    python bench/runtime_bench.py                     # SQLite, 3 rounds
    python bench/runtime_bench.py --database postgresql://postgres@127.0.0.1:5432/test --rounds 5

Both servers run in their own process on identical uvicorn settings (``bench/runtime_serve.py``) and answer
instantly with the same words as the same events; chatkit-host also authenticates the client secret,
enforces the session and persists to its durable store, the baseline keeps everything in dicts. The
load generator is this process; with two or more CPUs the servers are pinned to CPU 0 and it to CPU 1.

Figures (each the median over rounds; servers alternate order within a round):
  * time to first delta: one client, sequential ``threads.create`` with a one-word message; the time from
    sending the request to receiving the first ``text_delta`` event (includes creating the thread).
  * server CPU-seconds per 1,000 delta events: streams of ~1,000 deltas, 4 at a time; the server
    process's user+system CPU time (``/proc/<pid>/stat``) divided by the deltas received.
  * 100 concurrent streams: 100 ``threads.create`` streams of ~100 deltas started together, in waves;
    deltas/s received, p50/p99 stream duration, p99 time to first delta, and server CPU per 1,000 deltas.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import orjson

logger = logging.getLogger("bench.runtime")

SERVE = Path(__file__).with_name("runtime_serve.py")
DELTA = b"text_delta"
CLOCK_TICK = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]
    admin_key: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def scratch_database(url: str | None) -> Iterator[str | None]:
    """A fresh PostgreSQL database on the server ``url`` names (dropped afterwards); SQLite URLs pass through."""
    if not url or not url.startswith("postgres"):
        yield url
        return
    import asyncpg

    name = "chatkit_bench_" + secrets.token_hex(4)

    async def admin(statement: str) -> None:
        conn = await asyncpg.connect(url)
        try:
            await conn.execute(statement)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield urlparse(url)._replace(path="/" + name).geturl()
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def start(kind: str, tmp: Path, database: str | None) -> Iterator[Server]:
    port = _free_port()
    admin_key = "ckadm_bench_" + secrets.token_urlsafe(16)
    command = [sys.executable, str(SERVE), kind, "--port", str(port)]
    if kind == "ours":
        command += ["--data-dir", str(tmp / "data"), "--api-key", admin_key]
        if database:
            command += ["--database", database]
    process = subprocess.Popen(command)
    if os.cpu_count() and os.cpu_count() >= 2:  # type: ignore[operator]
        os.sched_setaffinity(process.pid, {0})
    server = Server(kind, f"http://127.0.0.1:{port}", process, admin_key if kind == "ours" else None)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.post(server.base_url + "/chatkit", json={"type": "threads.list", "params": {}}, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{kind} server did not start") from None
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=30)


def new_secret(server: Server) -> None:
    """A fresh session (they live at most ten minutes) with a budget that never limits the benchmark."""
    if server.admin_key is None:
        return
    body = {"user": "bench", "workflow": {"id": "default"}, "rate_limits": {"max_requests_per_1_minute": 10**9}}
    response = httpx.post(
        server.base_url + "/v1/chatkit/sessions", json=body, headers={"Authorization": f"Bearer {server.admin_key}"}
    )
    response.raise_for_status()
    server.headers = {"Authorization": f"Bearer {response.json()['client_secret']}"}


def create_body(words: int) -> bytes:
    text = " ".join(["word"] * words)
    content = [{"type": "input_text", "text": text}]
    params = {"input": {"content": content, "attachments": [], "inference_options": {}}}
    return orjson.dumps({"type": "threads.create", "params": params})


@dataclass
class StreamStats:
    first_delta: float
    duration: float
    deltas: int


async def one_stream(client: httpx.AsyncClient, server: Server, body: bytes) -> StreamStats:
    started = time.perf_counter()
    first = 0.0
    deltas = 0
    tail = b""
    headers = server.headers | {"Content-Type": "application/json"}
    async with client.stream("POST", server.base_url + "/chatkit", content=body, headers=headers) as response:
        if response.status_code != 200:
            raise RuntimeError(f"{server.name}: {response.status_code} {(await response.aread())[:200]!r}")
        async for chunk in response.aiter_raw():
            window = tail + chunk
            found = window.count(DELTA) - tail.count(DELTA)
            if found and not first:
                first = time.perf_counter() - started
            deltas += found
            tail = window[-(len(DELTA) - 1) :]
    return StreamStats(first, time.perf_counter() - started, deltas)


async def time_to_first_delta(server: Server, requests: int) -> dict[str, float]:
    body = create_body(1)
    async with httpx.AsyncClient(timeout=60) as client:
        for _ in range(20):  # warm-up
            await one_stream(client, server, body)
        samples = [(await one_stream(client, server, body)).first_delta for _ in range(requests)]
    samples.sort()
    return {"p50_ms": statistics.median(samples) * 1000, "p90_ms": samples[int(len(samples) * 0.9)] * 1000}


async def cpu_per_1000(server: Server, streams: int, concurrency: int = 4) -> dict[str, float]:
    body = create_body(1000)
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=concurrency)) as client:
        await one_stream(client, server, body)  # warm-up
        before = server.cpu_seconds()
        total = 0
        for _ in range(streams // concurrency):
            results = await asyncio.gather(*(one_stream(client, server, body) for _ in range(concurrency)))
            total += sum(r.deltas for r in results)
        used = server.cpu_seconds() - before
    return {"cpu_s_per_1000": used / total * 1000, "deltas": total}


async def concurrent(server: Server, streams: int, waves: int) -> dict[str, float]:
    body = create_body(100)
    limits = httpx.Limits(max_connections=streams, max_keepalive_connections=streams)
    results: list[StreamStats] = []
    failures = 0
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await asyncio.gather(*(one_stream(client, server, body) for _ in range(streams)), return_exceptions=True)
        before_cpu, started = server.cpu_seconds(), time.perf_counter()
        for _ in range(waves):
            outcomes = await asyncio.gather(
                *(one_stream(client, server, body) for _ in range(streams)), return_exceptions=True
            )
            results += [o for o in outcomes if isinstance(o, StreamStats)]
            failed = [o for o in outcomes if not isinstance(o, StreamStats)]
            failures += len(failed)
            if failed:
                logger.info("%s: %d failed streams, first: %r", server.name, len(failed), failed[0])
        elapsed, used = time.perf_counter() - started, server.cpu_seconds() - before_cpu
    deltas = sum(r.deltas for r in results)
    durations = sorted(r.duration for r in results)
    firsts = sorted(r.first_delta for r in results)
    return {
        "deltas_per_s": deltas / elapsed,
        "p50_stream_ms": statistics.median(durations) * 1000,
        "p99_stream_ms": durations[int(len(durations) * 0.99) - 1] * 1000,
        "p99_first_ms": firsts[int(len(firsts) * 0.99) - 1] * 1000,
        "cpu_s_per_1000": used / deltas * 1000,
        "failed_streams": failures,
    }


def median_of(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database", help="chatkit-host's database (default: SQLite in a temp dir; PostgreSQL: a scratch database)"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--ttfe-requests", type=int, default=200)
    parser.add_argument("--cpu-streams", type=int, default=40)
    parser.add_argument("--concurrent", type=int, default=100)
    parser.add_argument("--waves", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(0, {1})
    figures: dict[str, dict[str, list[dict[str, float]]]] = {"ours": {}, "baseline": {}}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        database = stack.enter_context(scratch_database(args.database))
        servers = [stack.enter_context(start(k, tmp, database)) for k in ("ours", "baseline")]
        for n in range(args.rounds):
            for server in servers if n % 2 == 0 else servers[::-1]:
                new_secret(server)
                runs = figures[server.name]
                runs.setdefault("ttfe", []).append(asyncio.run(time_to_first_delta(server, args.ttfe_requests)))
                runs.setdefault("cpu", []).append(asyncio.run(cpu_per_1000(server, args.cpu_streams)))
                runs.setdefault("concurrent", []).append(asyncio.run(concurrent(server, args.concurrent, args.waves)))
                logger.info("round %d %s: %s", n + 1, server.name, {k: v[-1] for k, v in runs.items()})
    report(figures, args)


def report(figures: dict[str, dict[str, list[dict[str, float]]]], args: Any) -> None:
    ours = {k: median_of(v) for k, v in figures["ours"].items()}
    base = {k: median_of(v) for k, v in figures["baseline"].items()}
    rows = [
        ("time to first delta, p50 (ms)", "ttfe", "p50_ms", "lower"),
        ("time to first delta, p90 (ms)", "ttfe", "p90_ms", "lower"),
        ("server CPU-s per 1,000 deltas (4 streams of ~1,000)", "cpu", "cpu_s_per_1000", "lower"),
        (f"{args.concurrent} concurrent streams: deltas/s", "concurrent", "deltas_per_s", "higher"),
        (f"{args.concurrent} concurrent streams: p50 stream (ms)", "concurrent", "p50_stream_ms", "lower"),
        (f"{args.concurrent} concurrent streams: p99 stream (ms)", "concurrent", "p99_stream_ms", "lower"),
        (f"{args.concurrent} concurrent streams: p99 first delta (ms)", "concurrent", "p99_first_ms", "lower"),
        (
            f"{args.concurrent} concurrent streams: server CPU-s per 1,000 deltas",
            "concurrent",
            "cpu_s_per_1000",
            "lower",
        ),
        (f"{args.concurrent} concurrent streams: failed streams", "concurrent", "failed_streams", "lower"),
    ]
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"store: {args.database or 'SQLite file'}; rounds: {args.rounds}; load average after the run: {load}\n")
    print("| figure | chatkit-host | openai-chatkit baseline | ratio (ours/baseline) | better is | ok |")
    print("|---|---|---|---|---|---|")
    for label, phase, key, better in rows:
        mine, theirs = ours[phase][key], base[phase][key]
        ratio = mine / theirs if theirs else (1.0 if mine == theirs else float("inf"))
        ok = ratio <= 1.0 if better == "lower" else ratio >= 1.0
        print(f"| {label} | {mine:.4g} | {theirs:.4g} | {ratio:.2f} | {better} | {'yes' if ok else 'NO'} |")


if __name__ == "__main__":
    main()
