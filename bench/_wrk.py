"""Drive ``wrk`` (the HTTP load generator, ``apt-get install wrk``) and parse what it prints."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0, "m": 60_000.0}
_LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s|m)\s*$", re.MULTILINE)


class WrkError(RuntimeError):
    pass


@dataclass(frozen=True)
class Request:
    """One kind of request the benchmark sends."""

    name: str
    path: str
    method: str = "GET"
    body: str | None = None
    api_key: str | None = None


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise WrkError("wrk is not installed: apt-get install -y wrk")
    return found


def _lua(request: Request) -> str:
    lines = [f'wrk.method = "{request.method}"']
    if request.body is not None:
        lines.append(f"wrk.body = [[{request.body}]]")
        lines.append('wrk.headers["Content-Type"] = "application/json"')
    if request.api_key is not None:
        lines.append(f'wrk.headers["Authorization"] = "Bearer {request.api_key}"')
    return "\n".join(lines) + "\n"


def parse(output: str) -> Result:
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in", output)
    latencies = {m.group(1): float(m.group(2)) * _UNITS[m.group(3)] for m in _LATENCY.finditer(output)}
    if rps is None or total is None or set(latencies) != {"50", "99"}:
        raise WrkError(f"cannot parse wrk output:\n{output}")
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad:
        raise WrkError(f"{bad.group(1)} requests failed; every answer must be 2xx:\n{output}")
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if errors and any(int(n) for n in errors.groups()):
        raise WrkError(f"socket errors:\n{output}")
    return Result(float(rps.group(1)), latencies["50"], latencies["99"], int(total.group(1)))


def run(
    base_url: str,
    request: Request,
    *,
    seconds: float,
    connections: int,
    threads: int = 1,
    preexec: Callable[[], None] | None = None,
) -> Result:
    """Load ``request`` for ``seconds`` with ``connections`` kept-alive connections; raise on any failure."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(_lua(request))
        script.flush()
        command = [
            wrk_path(),
            f"--threads={threads}",
            f"--connections={connections}",
            f"--duration={max(1, round(seconds))}s",
            "--timeout=10s",
            "--latency",
            f"--script={Path(script.name)}",
            base_url + request.path,
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False, preexec_fn=preexec)
    if done.returncode != 0:
        raise WrkError(f"wrk failed ({done.returncode}): {done.stderr}")
    return parse(done.stdout)
