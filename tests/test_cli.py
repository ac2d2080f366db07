"""The real ``chatkit-host`` executable in a subprocess against a running server."""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.support.cli import cli, ok, one_line_error
from tests.support.seed import seed_threads
from tests.support.servers import RunningServer, free_port


def test_sessions_create_and_cancel(sqlite_server: RunningServer) -> None:
    created = json.loads(
        ok(
            cli(
                "sessions",
                "create",
                "--user",
                "u1",
                "--state",
                "plan=pro",
                "--state",
                "seats=3",
                "--json",
                server=sqlite_server,
            )
        )
    )
    assert created["workflow"] == {
        "id": "default",
        "version": None,
        "state_variables": {"plan": "pro", "seats": 3},
        "tracing": {"enabled": True},
    }
    assert created["client_secret"].startswith("ck")

    table = ok(cli("sessions", "create", "--user", "u2", "--no-tracing", "--rate-limit", "5", server=sqlite_server))
    assert "client_secret" in table and "u2" in table and "default" in table

    assert ok(cli("sessions", "cancel", created["id"], server=sqlite_server)).strip() == f"{created['id']} cancelled"
    shown = json.loads(ok(cli("sessions", "show", created["id"], "--json", server=sqlite_server)))
    assert shown["status"] == "cancelled"
    listed = ok(cli("sessions", "list", "--user", "u1", server=sqlite_server))
    assert created["id"] in listed and "cancelled" in listed


def test_threads_commands(server: RunningServer) -> None:
    ids = seed_threads(server.settings, ["alice", "bob", "alice"], per_thread_messages=3)

    table = ok(cli("threads", "list", server=server))
    assert [line.split()[0] for line in table.strip().splitlines()[1:]] == list(reversed(ids))

    page = json.loads(ok(cli("threads", "list", "--limit", "2", "--json", server=server)))
    assert [t["id"] for t in page["data"]] == [ids[2], ids[1]]
    assert page["has_more"] is True
    walked = json.loads(ok(cli("threads", "list", "--limit", "1", "--all", "--order", "asc", "--json", server=server)))
    assert [t["id"] for t in walked["data"]] == ids
    assert walked["has_more"] is False
    alice = json.loads(ok(cli("threads", "list", "--user", "alice", "--json", server=server)))
    assert {t["user"] for t in alice["data"]} == {"alice"}

    shown = ok(cli("threads", "show", ids[1], server=server))
    assert ids[1] in shown and "bob" in shown

    items_table = ok(cli("threads", "items", ids[0], server=server)).strip().splitlines()
    assert [line.split()[-2:] for line in items_table[1:]] == [["question", "0"], ["answer", "1"], ["question", "2"]]
    items = json.loads(ok(cli("threads", "items", ids[0], "--json", server=server)))
    assert [i["type"] for i in items] == ["chatkit.user_message", "chatkit.assistant_message", "chatkit.user_message"]

    receipts = json.loads(ok(cli("threads", "delete", ids[0], ids[1], "--json", server=server)))
    assert [(r["id"], r["deleted"]) for r in receipts] == [(ids[0], True), (ids[1], True)]
    remaining = json.loads(ok(cli("threads", "list", "--json", server=server)))
    assert [t["id"] for t in remaining["data"]] == [ids[2]]


def test_user_content_is_not_markup(sqlite_server: RunningServer) -> None:
    [thread_id] = seed_threads(sqlite_server.settings, ["[/oops] [bold]eve[/bold]"], per_thread_messages=1)
    listed = ok(cli("threads", "list", server=sqlite_server))
    assert "[/oops] [bold]eve[/bold]" in listed
    assert "question 0" in ok(cli("threads", "items", thread_id, server=sqlite_server))


def test_threads_export(sqlite_server: RunningServer, tmp_path: Path) -> None:
    ids = seed_threads(sqlite_server.settings, [f"user{n}" for n in range(130)], per_thread_messages=2)
    target = tmp_path / "threads.jsonl"
    result = cli("threads", "export", "-o", str(target), server=sqlite_server)
    ok(result)
    assert f"exported 130 threads to {target}" in result.stderr
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["thread"]["id"] for line in lines] == ids  # more than one page of 100, oldest first
    assert [[i["content"][0]["text"] for i in line["items"]] for line in lines[:2]] == [["question 0", "answer 1"]] * 2

    one_user = cli("threads", "export", "--user", "user7", "--no-progress", server=sqlite_server)
    [record] = [json.loads(line) for line in ok(one_user).splitlines()]
    assert record["thread"]["id"] == ids[7]
    assert one_user.stderr.strip() == "exported 1 threads"


def test_api_errors_exit_1_with_one_line(sqlite_server: RunningServer) -> None:
    line = one_line_error(cli("threads", "show", "cthr_nope", server=sqlite_server), 1)
    assert line.startswith("error: 404 ") and "param=thread_id" in line

    line = one_line_error(cli("threads", "list", server=sqlite_server, key="wrong"), 1)
    assert line == "error: 401 Incorrect API key provided. (code=invalid_api_key)"

    line = one_line_error(cli("sessions", "create", "--user", "u", "--workflow", "missing", server=sqlite_server), 1)
    assert "param=workflow.id" in line


def test_usage_errors_exit_2(sqlite_server: RunningServer) -> None:
    assert cli("sessions", "create", server=sqlite_server).returncode == 2
    assert cli("sessions", "create", "--user", "u", "--state", "novalue", server=sqlite_server).returncode == 2
    assert cli("threads", "list", "--limit", "0", server=sqlite_server).returncode == 2


def test_unreachable_server_exits_3() -> None:
    result = cli("threads", "list", "--base-url", f"http://127.0.0.1:{free_port()}", "--timeout", "2")
    line = one_line_error(result, 3)
    assert line.startswith("error: cannot reach http://127.0.0.1:")


def test_options_override_the_environment(sqlite_server: RunningServer) -> None:
    [thread_id] = seed_threads(sqlite_server.settings, ["u"])
    result = cli(
        "threads", "show", thread_id, "--json", "--api-key", sqlite_server.admin_key, server=sqlite_server, key="wrong"
    )
    assert json.loads(ok(result))["id"] == thread_id
    without_env = cli(
        "threads", "show", thread_id, "--base-url", sqlite_server.base_url, "--api-key", sqlite_server.admin_key
    )
    assert thread_id in ok(without_env)


def test_export_shows_a_progress_bar_on_a_terminal(sqlite_server: RunningServer, tmp_path: Path) -> None:
    seed_threads(sqlite_server.settings, ["a", "b", "c"])
    main, replica = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATKIT_HOST_")}
    env.update(CHATKIT_HOST_BASE_URL=sqlite_server.base_url, CHATKIT_HOST_API_KEY=sqlite_server.admin_key)
    env.update(COLUMNS="100", TERM="xterm")
    try:
        process = subprocess.run(
            [sys.executable, "-m", "chatkit_host", "threads", "export", "-o", str(tmp_path / "t.jsonl")],
            stderr=replica,
            stdout=subprocess.DEVNULL,
            env=env,
            timeout=60,
        )
        os.close(replica)
        terminal = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:  # the terminal is closed once everything is read
                break
            if not chunk:
                break
            terminal += chunk
    finally:
        os.close(main)
    assert process.returncode == 0
    text = terminal.decode()
    assert "exporting" in text and "3/3" in text and "━" in text
    assert "exported 3 threads" in text


def test_docs_list_every_client_command() -> None:
    """docs/cli.md names every command the SDK-based CLI has (serve and db are documented in the README)."""
    import click

    from chatkit_host.cli import main

    docs = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text()
    missing = []
    for name, command in main.commands.items():
        if name in ("serve", "db"):
            continue
        leaves = command.commands if isinstance(command, click.Group) else {"": command}
        for leaf in leaves:
            usage = f"`{name} {leaf}".rstrip()
            if usage not in docs:
                missing.append(usage)
    assert missing == []
