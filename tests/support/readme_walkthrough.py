"""Follow README.md as a newcomer on a fresh clone: ``chatkit-host serve`` in an empty directory, then every example.

Run by tests/test_readme.py (``python -m tests.support.readme_walkthrough DIR``), inside a network namespace of its own
when it can have one, so that ``serve`` gets the README's default port 8000 even when a developer's own server
holds it on the machine. The CLI examples run in DIR with no ``CHATKIT_HOST_*`` variable (and no ``COLUMNS``): the
CLI must find the key ``serve`` wrote there by itself. The Python examples get only what the README tells the
reader to paste: the ``export`` line ``serve`` printed. Exits 0 when every example passed; else prints what failed.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.readme import README, blocks, console_commands, expected_output_matches

BASE_URL = "http://127.0.0.1:8000"  # the README's, never overridden here


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATKIT_HOST_") and k not in ("COLUMNS", "LINES")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["NO_PROXY"] = "127.0.0.1,localhost"
    return env


def exported(banner: str) -> dict[str, str]:
    """The variables of the ``export ...`` line ``serve`` printed, as a reader pasting it would get them."""
    match = re.search(r"^\s*export (.+)$", banner, flags=re.MULTILINE)
    if match is None:
        raise AssertionError(f"serve printed no export line:\n{banner}")
    return dict(word.split("=", 1) for word in shlex.split(match.group(1)))


def wait_for_server(process: subprocess.Popen[str], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            httpx.get(f"{BASE_URL}/healthz", timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise AssertionError(f"serve did not answer within 60 s:\n{log.read_text()}") from None
            time.sleep(0.1)


def run_examples(directory: Path, env: dict[str, str], python_env: dict[str, str]) -> list[str]:
    failures: list[str] = []
    for block in blocks(README.read_text()):
        if "test" not in block.markers:
            continue
        where = f"README.md:{block.line}"
        if block.language == "python":
            result = subprocess.run(
                [sys.executable, "-c", block.text], cwd=directory, env=python_env, capture_output=True, text=True
            )
            if result.returncode != 0:
                failures.append(f"{where}\n{result.stdout}\n{result.stderr}")
        elif block.language == "console":
            for command, expected in console_commands(block):
                result = subprocess.run(["bash", "-c", command], cwd=directory, env=env, capture_output=True, text=True)
                output = result.stdout + result.stderr
                if result.returncode != 0 or (expected.strip() and not expected_output_matches(expected, output)):
                    failures.append(
                        f"{where}: $ {command}\n(rc {result.returncode}) expected:\n{expected}\ngot:\n{output}"
                    )
    return failures


def main(directory: Path) -> int:
    env = clean_env()
    log = directory / "serve.log"
    with log.open("w") as out:
        # The README's first command, minus the `pip install -e .` this checkout already had.
        serve = subprocess.Popen(
            ["chatkit-host", "serve"], cwd=directory, env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
    try:
        wait_for_server(serve, log)
        banner = log.read_text()
        failures = run_examples(directory, env, {**env, **exported(banner)})
    finally:
        serve.send_signal(signal.SIGINT)  # Ctrl-C, as the reader stops it
        serve.wait(timeout=30)
    for failure in failures:
        print(failure, end="\n\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
