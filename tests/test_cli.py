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
    assert one_user.stderr.strip() == "exported 1 thread"  # F19: the plural only for more than one


def test_api_errors_exit_1_with_one_line(sqlite_server: RunningServer) -> None:
    line = one_line_error(cli("threads", "show", "cthr_nope", server=sqlite_server), 1)
    assert line.startswith("error: 404 ") and "param=thread_id" in line

    line = one_line_error(cli("threads", "list", server=sqlite_server, key="wrong"), 1)
    assert line.startswith("error: 401 Incorrect API key provided. (code=invalid_api_key) ")
    assert "The key came from CHATKIT_HOST_API_KEY." in line

    line = one_line_error(cli("sessions", "create", "--user", "u", "--workflow", "missing", server=sqlite_server), 1)
    assert "param=workflow.id" in line


def test_the_key_serve_wrote_is_found_in_its_directory(sqlite_server: RunningServer, tmp_path: Path) -> None:
    """F1: no flag, no environment variable: the CLI reads ./.chatkit-host/admin_api_key of a local server."""
    empty = one_line_error(cli("threads", "list", server=sqlite_server, key="", cwd=tmp_path), 1)
    assert empty.startswith("error: 401 You didn't provide an API key.")
    # The message says how to fix it, in the order the CLI looks.
    for way in ("--api-key", "CHATKIT_HOST_API_KEY", ".chatkit-host/admin_api_key"):
        assert way in empty, way

    (tmp_path / ".chatkit-host").mkdir()
    (tmp_path / ".chatkit-host" / "admin_api_key").write_text(sqlite_server.admin_key + "\n")
    found = cli("threads", "list", server=sqlite_server, key="", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert (found.stdout, found.stderr) == ("", "no threads\n")  # F19: not a lone header row

    wrong = one_line_error(cli("threads", "list", server=sqlite_server, key="", cwd=tmp_path / ".chatkit-host"), 1)
    assert "missing_api_key" in wrong  # only the working directory's data directory counts


def test_empty_lists_say_so(sqlite_server: RunningServer) -> None:
    for command, message in (
        (("threads", "list"), "no threads"),
        (("sessions", "list"), "no sessions"),
        (("traces", "list"), "no traces"),
        (("feedback", "list"), "no feedback"),
        (("usage",), "no usage"),
    ):
        result = cli(*command, server=sqlite_server)
        assert (result.returncode, result.stdout, result.stderr) == (0, "", message + "\n"), command
    assert json.loads(ok(cli("threads", "list", "--json", server=sqlite_server)))["data"] == []


def test_feedback_and_usage(sqlite_server: RunningServer) -> None:
    """F23: the two admin views the SDK had and the CLI lacked."""
    from tests.support.feedback import give_feedback

    thread_id, item_id = give_feedback(sqlite_server, "gail", "negative")
    table = ok(cli("feedback", "list", server=sqlite_server)).splitlines()
    assert table[0].split() == ["id", "created", "kind", "user", "thread", "item_id"]
    [row] = [line.split() for line in table[1:]]
    assert row[3:] == ["negative", "gail", thread_id, item_id]
    filtered = json.loads(ok(cli("feedback", "list", "--thread", thread_id, "--json", server=sqlite_server)))
    assert [(f["item_id"], f["kind"]) for f in filtered["data"]] == [(item_id, "negative")]
    assert (
        json.loads(ok(cli("feedback", "list", "--thread", "cthr_other", "--json", server=sqlite_server)))["data"] == []
    )

    usage = ok(cli("usage", server=sqlite_server)).splitlines()
    assert usage[0].split() == ["user", "runs", "requests", "input", "output", "total"]
    [gail] = [line.split() for line in usage[1:]]
    assert gail[:2] == ["gail", "1"]
    per_thread = json.loads(ok(cli("usage", "--group-by", "thread", "--json", server=sqlite_server)))
    assert per_thread["group_by"] == "thread" and [r["key"] for r in per_thread["data"]] == [thread_id]
    assert cli("usage", "--group-by", "planet", server=sqlite_server).returncode == 2


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


def test_a_rate_limited_command_says_it_is_waiting(tmp_path: Path) -> None:
    """F6: a 429 with Retry-After is waited out (as the SDK does), and the wait is said on stderr."""
    from tests.support.scripted import THREAD, ScriptedServer, envelope
    from tests.support.servers import serve_in_thread

    app = ScriptedServer()
    app.script(
        "/v1/chatkit/threads/cthr_1",
        (429, {"Retry-After": "1"}, envelope("Rate limit reached.", "rate_limit_exceeded")),
        (200, {}, THREAD),
    )
    with serve_in_thread(app) as base_url:
        result = cli("threads", "show", "cthr_1", "--base-url", base_url, "--api-key", "k", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "rate limited; retrying in 1 s\n"
    assert "cthr_1" in result.stdout


def test_help_texts_are_plain() -> None:
    """F19: no reStructuredText markup in --help."""
    for command in (("threads", "export"), ("chat",), ("usage",), ("workflows", "archive")):
        result = cli(*command, "--help")
        assert result.returncode == 0 and "``" not in result.stdout, command


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


def test_docs_command_table_is_one_table() -> None:
    """F20: a blank line inside the command table of docs/cli.md split it, and the rest rendered as loose text."""
    lines = (Path(__file__).resolve().parent.parent / "docs" / "cli.md").read_text().splitlines()
    start = lines.index("| command | what it does |")
    end = next(n for n in range(start, len(lines)) if not lines[n].startswith("|"))
    table = "\n".join(lines[start:end])
    for command in ("`sessions create", "`threads export", "`chat ", "`workflows set-", "`feedback list", "`usage"):
        assert f"| {command}" in table, command
