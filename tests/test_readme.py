"""Every example in README.md runs against a live server.

Marker convention, on the opening fence of each code block (``` followed by the language, then markers):

    ```python test       run as a Python script (its own process); it passes when it exits 0
    ```console test      each line starting with "$ " is a shell command, which must exit 0; the lines after
                         it (until the next "$ " line) are its expected output (stdout and stderr together),
                         where "..." matches any text and runs of spaces count as one
    ```<lang> no-test    shown to readers, never run (e.g. commands that start a server, JavaScript)

A fenced block with neither ``test`` nor ``no-test`` fails this test, so every example is either run or
explicitly opted out. Runs share one server (SQLite), one working directory and the environment variables
``CHATKIT_HOST_BASE_URL`` and ``CHATKIT_HOST_API_KEY``, in the order the blocks appear.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.readme import README, blocks, console_commands, expected_output_matches
from tests.support.servers import RunningServer


def test_every_block_is_marked() -> None:
    unmarked = [
        f"README.md:{b.line} ```{b.language}" for b in blocks(README.read_text()) if not b.markers & {"test", "no-test"}
    ]
    assert unmarked == [], "mark each code block `test` or `no-test` (see tests/test_readme.py)"


def test_readme_examples(sqlite_server: RunningServer, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATKIT_HOST_")}
    env.update(
        CHATKIT_HOST_BASE_URL=sqlite_server.base_url,
        CHATKIT_HOST_API_KEY=sqlite_server.admin_key,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        COLUMNS="200",
    )
    ran = 0
    for block in blocks(README.read_text()):
        if "test" not in block.markers:
            continue
        where = f"README.md:{block.line}"
        if block.language == "python":
            result = subprocess.run(
                [sys.executable, "-c", block.text], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
            )
            assert result.returncode == 0, f"{where}\n{result.stdout}\n{result.stderr}"
        elif block.language == "console":
            for command, expected in console_commands(block):
                result = subprocess.run(
                    ["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
                )
                output = result.stdout + result.stderr
                assert result.returncode == 0, f"{where}: $ {command}\n{output}"
                # A command listed without output is only checked for success.
                assert not expected.strip() or expected_output_matches(expected, output), (
                    f"{where}: $ {command}\nexpected:\n{expected}\ngot:\n{output}"
                )
        else:
            raise AssertionError(f"{where}: no runner for ```{block.language} test (use python or console)")
        ran += 1
    assert ran > 0


def own_loopback() -> list[str] | None:
    """A command prefix that runs its command in a new network namespace with its own loopback, or None.

    There port 8000 is always free, whatever runs on the machine (another developer's `serve`, say).
    """
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return None
    probe = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, timeout=30)
    if probe.returncode != 0:  # not permitted here (no CAP_SYS_ADMIN, seccomp)
        return None
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]


def port_8000_is_free() -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", 8000))
        except OSError:
            return False
    return True


def test_readme_on_a_fresh_clone(tmp_path: Path) -> None:
    """`chatkit-host serve` in an empty directory, then every README example there, as the README says.

    No CHATKIT_HOST_* variable for the CLI examples: they must find the key `serve` wrote (F1). The Python
    examples get only the `export` line `serve` printed, which the README tells the reader to paste.
    """
    prefix = own_loopback()
    if prefix is None:
        if not port_8000_is_free():
            pytest.skip("port 8000 is taken and no network namespace is available for the README's default port")
        prefix = []
    result = subprocess.run(
        [*prefix, sys.executable, "-m", "tests.support.readme_walkthrough", str(tmp_path)],
        cwd=README.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_expected_output_wildcards() -> None:
    assert expected_output_matches("a ... c\n", "a b b c")
    assert not expected_output_matches("a ... c", "a b d")
    assert expected_output_matches("exported ... threads to t.jsonl", "exported 3 threads to t.jsonl\n")
    assert expected_output_matches("id ... title\ncthr_... x", "id    created title   \ncthr_1  2  x\n")
