"""The real ``chatkit-host`` executable in a subprocess, configured through the environment as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.servers import RunningServer


def cli(
    *args: str,
    server: RunningServer | None = None,
    key: str | None = None,
    stdin: str | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``chatkit-host ARGS``; the server's URL and key come from the environment as a user would set them.

    ``key=""`` sets no key at all (then the CLI looks in ``cwd``'s data directory).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATKIT_HOST_")}
    env["COLUMNS"] = "200"
    if server is not None:
        env["CHATKIT_HOST_BASE_URL"] = server.base_url
        if key != "":
            env["CHATKIT_HOST_API_KEY"] = key if key is not None else server.admin_key
    return subprocess.run(
        [sys.executable, "-m", "chatkit_host", *args],
        capture_output=True,
        text=True,
        env=env,
        input=stdin,
        timeout=timeout,
        cwd=cwd,
    )


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    assert result.returncode == code, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]
