"""Real-path benchmark: server CPU per streamed delta and per turn, on a model behind an OpenAI-compatible endpoint.

    python bench/real_path.py                       # 3 rounds, SQLite
    python bench/real_path.py --rounds 5 --turns 60 --database postgresql://postgres@127.0.0.1:5432/test

The runtime benchmarks (``bench/runtime_bench.py``) use the offline responder, which skips the ``openai`` client and
the Agents SDK. This one runs the path a deployment runs: the same fake model (``bench/real_path_model.py``, its
own process) streams Chat Completions as fast as it can, and five servers (``bench/real_path_serve.py``, each its own
process) relay it to the client as server-sent events:

  raw      the floor: httpx + orjson, one SSE frame per model chunk
  client   the same relay through the official ``openai`` client
  peer     openai-chatkit's ``ChatKitServer`` + Agents SDK ``Runner.run_streamed`` + ``stream_agent_response``,
           in-memory store
  ours     chatkit-host, durable store, session auth, a one-agent YAML workflow; tracing and titles off
  ours+tr  the same with tracing on (the targets of issue 15 are stated with tracing on)

With two or more CPUs every server is pinned to CPU 0 and the model and this load generator to CPU 1. Servers
alternate order within each round; the figures are medians over rounds:

  * CPU per delta: turns of 200 model chunks, 4 at a time; the server's user+system CPU time (``/proc``) over the
    text deltas its client received.
  * CPU per turn: turns of 5 chunks, 4 at a time; the same CPU over turns. chatkit-host's turns include creating
    their session (``POST /v1/chatkit/sessions``) as a real integration does once per chat.
"""

from __future__ import annotations

import argparse
import asyncio
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

import httpx
import orjson

HERE = Path(__file__).resolve().parent
CLOCK_TICK = os.sysconf("SC_CLK_TCK")
KINDS = ("raw", "client", "peer", "ours", "ours+tr")
#: What each server's client counts as one text delta in the bytes it receives.
DELTA_MARK = {"raw": b'"type":"delta"', "client": b'"type":"delta"'}
CHATKIT_DELTA = b"text_delta"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _pin(pid: int, cpu: int) -> None:
    if (os.cpu_count() or 1) >= 2:
        os.sched_setaffinity(pid, {cpu})


@dataclass
class Server:
    kind: str
    base_url: str
    process: subprocess.Popen[bytes]
    admin_key: str | None = None
    tracing: bool = False
    samples: dict[str, list[float]] = field(default_factory=dict)

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICK


def _wait_until_up(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    """Waits for the port to accept connections (a request could be one the server logs as malformed)."""
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"{what} did not start") from None
            time.sleep(0.1)


@contextmanager
def start_model(stack: ExitStack) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen([sys.executable, str(HERE / "real_path_model.py"), "--port", str(port)])
    stack.callback(process.wait, 30)
    stack.callback(process.terminate)
    _pin(process.pid, 1)
    _wait_until_up(port, process, "the fake model")
    yield f"http://127.0.0.1:{port}/v1"


def start_server(stack: ExitStack, kind: str, model_url: str, tmp: Path, database: str | None) -> Server:
    port = _free_port()
    base = kind.split("+")[0]
    command = [sys.executable, str(HERE / "real_path_serve.py"), base, "--port", str(port), "--model-url", model_url]
    admin_key = None
    if base == "ours":
        admin_key = "ckadm_bench_" + secrets.token_urlsafe(16)
        command += ["--data-dir", str(tmp / kind), "--api-key", admin_key]
        if database:
            command += ["--database", database]
    process = subprocess.Popen(command)
    stack.callback(process.wait, 30)
    stack.callback(process.terminate)
    _pin(process.pid, 0)
    _wait_until_up(port, process, kind)
    return Server(kind, f"http://127.0.0.1:{port}", process, admin_key, tracing=kind.endswith("+tr"))


def _chatkit_create(tokens: int) -> bytes:
    content = [{"type": "input_text", "text": f"tokens={tokens}"}]
    params = {"input": {"content": content, "attachments": [], "inference_options": {}}}
    return orjson.dumps({"type": "threads.create", "params": params})


async def _session(client: httpx.AsyncClient, server: Server) -> str:
    body = {
        "user": "bench",
        "workflow": {"id": "bench", "tracing": {"enabled": server.tracing}},
        "rate_limits": {"max_requests_per_1_minute": 10**9},
        "chatkit_configuration": {"automatic_thread_titling": {"enabled": False}},
    }
    response = await client.post(
        server.base_url + "/v1/chatkit/sessions", json=body, headers={"Authorization": f"Bearer {server.admin_key}"}
    )
    response.raise_for_status()
    secret: str = response.json()["client_secret"]
    return secret


async def one_turn(client: httpx.AsyncClient, server: Server, tokens: int) -> int:
    """Runs one turn to its end and returns the text deltas received."""
    if server.kind in ("raw", "client"):
        request = client.build_request("POST", server.base_url + "/", json={"text": f"tokens={tokens}"})
        mark = DELTA_MARK[server.kind]
    else:
        headers = {"content-type": "application/json"}
        if server.admin_key:
            headers["authorization"] = "Bearer " + await _session(client, server)
        request = client.build_request(
            "POST", server.base_url + "/chatkit", content=_chatkit_create(tokens), headers=headers
        )
        mark = CHATKIT_DELTA
    seen = 0
    tail = b""
    response = await client.send(request, stream=True)
    try:
        response.raise_for_status()
        async for chunk in response.aiter_raw():
            data = tail + chunk
            seen += data.count(mark)
            # A mark cut between two reads is counted once, in the next read.
            tail = data[-(len(mark) - 1) :]
            seen -= tail.count(mark)
        seen += tail.count(mark)
    finally:
        await response.aclose()
    return seen


async def measure(server: Server, tokens: int, turns: int, concurrency: int) -> tuple[float, int]:
    """Server CPU seconds and deltas received over ``turns`` turns, ``concurrency`` at a time."""
    limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client:
        await one_turn(client, server, tokens)  # warm: compiled workflow, pools, first-request paths
        queue = iter(range(turns))
        deltas = 0

        async def worker() -> None:
            nonlocal deltas
            for _ in queue:
                got = await one_turn(client, server, tokens)  # not `deltas += await ...`: that reads deltas first
                deltas += got

        before = server.cpu_seconds()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return server.cpu_seconds() - before, deltas


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--turns", type=int, default=40, help="turns per server per figure per round")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--database", help="PostgreSQL URL for chatkit-host (default: SQLite in a temp dir)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    args = parser.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    _pin(os.getpid(), 1)
    with ExitStack() as stack, tempfile.TemporaryDirectory(prefix="chatkit-real-path-") as tmp:
        model_url = stack.enter_context(start_model(stack))
        servers = [start_server(stack, kind, model_url, Path(tmp), args.database) for kind in kinds]
        for round_no in range(args.rounds):
            order = servers if round_no % 2 == 0 else list(reversed(servers))
            for server in order:
                cpu, deltas = asyncio.run(measure(server, 200, args.turns, args.concurrency))
                server.samples.setdefault("us_per_delta", []).append(cpu / max(deltas, 1) * 1e6)
                server.samples.setdefault("deltas_per_turn", []).append(deltas / args.turns)
                cpu, deltas = asyncio.run(measure(server, 5, args.turns, args.concurrency))
                server.samples.setdefault("ms_per_turn", []).append(cpu / args.turns * 1e3)
            print(f"round {round_no + 1}/{args.rounds} done", file=sys.stderr)
    report(servers)


def report(servers: list[Server]) -> None:
    med: dict[str, dict[str, float]] = {
        s.kind: {name: statistics.median(values) for name, values in s.samples.items()} for s in servers
    }
    print(f"{'server':10} {'µs CPU/delta':>13} {'ms CPU/turn':>12} {'deltas/turn':>12}")
    for kind, m in med.items():
        print(f"{kind:10} {m['us_per_delta']:13.1f} {m['ms_per_turn']:12.2f} {m['deltas_per_turn']:12.1f}")
    for ours in ("ours", "ours+tr"):
        if ours not in med:
            continue
        for base in ("raw", "client", "peer"):
            if base in med:
                delta = med[ours]["us_per_delta"] / med[base]["us_per_delta"]
                turn = med[ours]["ms_per_turn"] / med[base]["ms_per_turn"]
                print(f"{ours} / {base}: per delta {delta:.2f}x, per turn {turn:.2f}x")


if __name__ == "__main__":
    main()
