"""REST API benchmark: the real app against a bare ASGI JSON endpoint served the same way.

    python bench/rest_api.py                       # SQLite, 10k and 1M threads
    python bench/rest_api.py --backends sqlite,postgres

Every server is its own process on identical uvicorn settings (``bench/_serve.py``), loaded by ``wrk`` from
another process; with two or more CPUs the servers are pinned to CPU 0 and wrk to CPU 1. Each round runs
every measurement once, rounds are repeated and the medians are reported, and each throughput figure is
turned into a ratio against the bare endpoint measured in the same round.
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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _seed import DEEP_OFFSET_FROM_END, Seeded, seed
from _wrk import Request, Result, run

logger = logging.getLogger("bench.rest_api")

SERVE = Path(__file__).with_name("_serve.py")
SESSION_BODY = '{"user": "bench-user", "workflow": {"id": "default"}}'
TARGET_SESSIONS = 0.40
TARGET_THREADS = 0.50
TARGET_DEPTH = 1.5
QUERY_FLOOR = "bare ASGI + the page's SQLite query"


@dataclass
class Server:
    name: str
    base_url: str
    process: subprocess.Popen[bytes]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pin(cpu: int | None) -> Callable[[], None] | None:
    if cpu is None:
        return None
    return lambda: os.sched_setaffinity(0, {cpu})


@contextmanager
def serve(name: str, args: list[str], ready_path: str, cpu: int | None) -> Iterator[Server]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, str(SERVE), *args, "--port", str(port)], preexec_fn=_pin(cpu))
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{name} server exited with {process.returncode}")
            try:
                if httpx.get(base_url + ready_path, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} server did not start")
            time.sleep(0.2)
        yield Server(name, base_url, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def database(backend: str, label: str, workdir: Path, postgres_url: str) -> Iterator[str]:
    """A fresh, empty database; PostgreSQL ones are created and dropped here."""
    if backend == "sqlite":
        yield f"sqlite:///{workdir / f'{label}.db'}"
        return
    import asyncpg

    name = f"chatkit_bench_{label}_{secrets.token_hex(4)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(postgres_url)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + "/" + name
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def check_answers(server: Server, api_key: str, seeded: Seeded) -> None:
    """Before timing anything, make sure each request answers what it should (a fast wrong answer is no win)."""
    headers = {"Authorization": f"Bearer {api_key}"}
    with httpx.Client(base_url=server.base_url, headers=headers, timeout=30) as client:
        first = client.get("/v1/chatkit/threads", params={"limit": 20}).json()
        assert len(first["data"]) == 20 and first["has_more"], first
        deep = client.get("/v1/chatkit/threads", params={"limit": 20, "after": seeded.deep_thread_cursor}).json()
        assert len(deep["data"]) == 20 and deep["has_more"], deep
        assert deep["data"][0]["id"] < seeded.deep_thread_cursor
        tail = client.get("/v1/chatkit/threads", params={"limit": 100, "after": seeded.deep_thread_cursor}).json()
        assert len(tail["data"]) == DEEP_OFFSET_FROM_END and not tail["has_more"], tail
        user = client.get(
            "/v1/chatkit/threads", params={"limit": 20, "user": seeded.user, "after": seeded.deep_user_cursor}
        ).json()
        assert len(user["data"]) == 20 and all(t["user"] == seeded.user for t in user["data"]), user
        items = client.get(
            f"/v1/chatkit/threads/{seeded.items_thread}/items",
            params={"limit": 20, "after": seeded.deep_item_cursor},
        ).json()
        assert len(items["data"]) == 20 and items["data"][0]["type"] == "chatkit.assistant_message", items
        session = client.post(
            "/v1/chatkit/sessions", content=SESSION_BODY, headers={"content-type": "application/json"}
        )
        assert session.status_code == 200 and session.json()["object"] == "chatkit.session", session.text


def depth_requests(seeded: Seeded, api_key: str) -> list[Request]:
    threads = "/v1/chatkit/threads?limit=20"
    items = f"/v1/chatkit/threads/{seeded.items_thread}/items?limit=20"
    user = f"{threads}&user={seeded.user}"
    return [
        Request("threads first page", threads, api_key=api_key),
        Request("threads deep page", f"{threads}&after={seeded.deep_thread_cursor}", api_key=api_key),
        Request("user's threads first page", user, api_key=api_key),
        Request("user's threads deep page", f"{user}&after={seeded.deep_user_cursor}", api_key=api_key),
        Request("items first page", items, api_key=api_key),
        Request("items deep page", f"{items}&after={seeded.deep_item_cursor}", api_key=api_key),
    ]


def median(results: list[Result], field: str) -> float:
    return float(statistics.median(float(getattr(r, field)) for r in results))


def bench_backend(backend: str, args: argparse.Namespace, workdir: Path) -> list[str]:
    api_key = "ckadm_bench_" + secrets.token_urlsafe(16)
    server_cpu, wrk_cpu = (0, 1) if args.pin else (None, None)
    wrk_pin = _pin(wrk_cpu)
    report: list[str] = []
    with ExitStack() as stack:
        small_url = stack.enter_context(database(backend, "small", workdir, args.postgres_url))
        large_url = stack.enter_context(database(backend, "large", workdir, args.postgres_url))
        small = asyncio.run(seed(small_url, args.small))
        large = asyncio.run(seed(large_url, args.large))
        logger.info("%s seeded: %d threads in %.0fs, %d in %.0fs", backend, small.n_threads, small.seconds,
                    large.n_threads, large.seconds)  # fmt: skip

        def app(label: str, url: str) -> Server:
            data_dir = workdir / f"{backend}-{label}"
            options = ["app", "--database", url, "--data-dir", str(data_dir), "--api-key", api_key]
            return stack.enter_context(serve(f"{backend} {label}", options, "/healthz", server_cpu))

        bare = stack.enter_context(serve("bare", ["bare"], "/", server_cpu))
        starlette = stack.enter_context(serve("starlette", ["starlette"], "/", server_cpu))
        fastapi = stack.enter_context(serve("fastapi", ["fastapi"], "/", server_cpu))
        app_small = app("small", small_url)
        app_large = app("large", large_url)
        query_floor = (
            stack.enter_context(serve("bare + query", ["bare-query", "--database", small_url], "/", server_cpu))
            if backend == "sqlite"
            else None
        )
        check_answers(app_small, api_key, small)
        check_answers(app_large, api_key, large)

        loads = [
            (bare, Request("bare ASGI JSON", "/")),
            (starlette, Request("minimal Starlette JSON route", "/")),
            (fastapi, Request("minimal FastAPI route", "/")),
            *([(query_floor, Request(QUERY_FLOOR, "/"))] if query_floor is not None else []),
            (app_small, Request("sessions.create", "/v1/chatkit/sessions", "POST", SESSION_BODY, api_key)),
            (app_small, Request("threads.list", "/v1/chatkit/threads?limit=20", api_key=api_key)),
        ]
        for server, request in loads:  # warm-up: caches, pools, JIT-less but lazy imports
            run(server.base_url, request, seconds=1, connections=args.connections, preexec=wrk_pin)
        throughput: dict[str, list[Result]] = {r.name: [] for _, r in loads}
        ratios: dict[str, list[float]] = {r.name: [] for _, r in loads[1:]}
        ceiling_ratios: list[float] = []
        for n in range(args.rounds):
            # Rotate the order so slow drift on a shared machine does not always hit the same side.
            round_loads = loads[n % len(loads) :] + loads[: n % len(loads)]
            measured: dict[str, Result] = {}
            for server, request in round_loads:
                measured[request.name] = run(
                    server.base_url, request, seconds=args.seconds, connections=args.connections, preexec=wrk_pin
                )
                logger.info("round %d %s: %s", n + 1, request.name, measured[request.name])
            for name, result in measured.items():
                throughput[name].append(result)
                if name in ratios:
                    ratios[name].append(result.requests_per_second / measured["bare ASGI JSON"].requests_per_second)
            if QUERY_FLOOR in measured:
                ceiling = measured[QUERY_FLOOR].requests_per_second
                ceiling_ratios.append(measured["threads.list"].requests_per_second / ceiling)

        depth: dict[tuple[str, str], list[float]] = {}
        bare_latency: list[float] = []
        for n in range(args.rounds):
            bare_latency.append(
                run(
                    bare.base_url, Request("bare", "/"), seconds=args.latency_seconds, connections=1, preexec=wrk_pin
                ).p50_ms
            )
            # Each request runs on both sizes back to back (alternating which goes first), so that the two
            # sides of every depth ratio see the same load from whatever else shares the machine.
            sides = [
                ("small", app_small, depth_requests(small, api_key)),
                ("large", app_large, depth_requests(large, api_key)),
            ]
            for i in range(len(sides[0][2])):
                for label, server, requests in sides if (n + i) % 2 == 0 else sides[::-1]:
                    request = requests[i]
                    result = run(server.base_url, request, seconds=args.latency_seconds, connections=1, preexec=wrk_pin)
                    depth.setdefault((request.name, label), []).append(result.p50_ms)
                    logger.info("round %d %s %s: p50 %.3f ms", n + 1, label, request.name, result.p50_ms)

    report.append(f"#### {backend}\n")
    report.append(
        f"Throughput ({args.connections} connections, {args.rounds} rounds x {args.seconds:g} s each, "
        f"{args.small:,} threads; medians):\n"
    )
    report.append("| request | requests/s | p50 ms | p99 ms | ratio to bare | target | met | ratio to bare + query |")
    report.append("|---|---:|---:|---:|---:|---:|:-:|---:|")
    targets = {"sessions.create": TARGET_SESSIONS, "threads.list": TARGET_THREADS}
    for name, results in throughput.items():
        rps, p50, p99 = (median(results, f) for f in ("requests_per_second", "p50_ms", "p99_ms"))
        ratio = statistics.median(ratios[name]) if name in ratios else 1.0
        if name in targets:
            target = targets[name]
            cells = f"{ratio:.0%} | >= {target:.0%} | {'yes' if ratio >= target else 'NO'}"
        else:
            cells = f"{ratio:.0%} | | "
        versus = f"{statistics.median(ceiling_ratios):.0%}" if name == "threads.list" and ceiling_ratios else ""
        report.append(f"| {name} | {rps:,.0f} | {p50:.2f} | {p99:.2f} | {cells} | {versus} |")
    report.append("")
    report.append(
        f"Latency at depth (one connection, p50 ms, medians of {args.rounds} rounds; the deep cursor sits "
        f"{DEEP_OFFSET_FROM_END} rows before the end; bare endpoint p50 {statistics.median(bare_latency):.3f} ms):\n"
    )
    report.append(f"| request | {args.small:,} threads | {args.large:,} threads | ratio | target | met |")
    report.append("|---|---:|---:|---:|---:|:-:|")
    for name in dict.fromkeys(name for name, _ in depth):
        small_p50 = statistics.median(depth[(name, "small")])
        large_p50 = statistics.median(depth[(name, "large")])
        ratio = large_p50 / small_p50
        report.append(
            f"| {name} | {small_p50:.3f} | {large_p50:.3f} | {ratio:.2f}x | <= {TARGET_DEPTH}x "
            f"| {'yes' if ratio <= TARGET_DEPTH else 'NO'} |"
        )
    report.append("")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", default="sqlite", help="comma-separated: sqlite, postgres")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--small", type=int, default=10_000, help="threads in the small database")
    parser.add_argument("--large", type=int, default=1_000_000, help="threads in the large database")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=5, help="length of each throughput run")
    parser.add_argument("--latency-seconds", type=float, default=2, help="length of each one-connection run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-pin", dest="pin", action="store_false", help="do not pin servers and wrk to CPUs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if args.pin and len(os.sched_getaffinity(0)) < 2:
        args.pin = False
    started = time.monotonic()
    report = [
        f"### Run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} CPUs, "
        f"Python {sys.version.split()[0]}\n",
        "Command: `python bench/rest_api.py " + " ".join(sys.argv[1:]) + "`\n",
        "Load average at the start: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()) + "\n",
    ]
    with tempfile.TemporaryDirectory(prefix="chatkit-bench-") as tmp:
        for backend in args.backends.split(","):
            report += bench_backend(backend.strip(), args, Path(tmp))
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    report.append(f"(whole run: {time.monotonic() - started:.0f} s; load average at the end: {load})")
    print("\n".join(report))


if __name__ == "__main__":
    main()
