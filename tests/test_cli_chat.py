"""``chatkit-host chat`` as a subprocess with piped stdin, against the real runtime."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import subprocess
import sys
import time

from chatkit_host import ChatKitHost
from tests.support.cli import cli, ok, one_line_error
from tests.support.servers import RunningServer


def test_chat_streams_replies_and_keeps_the_thread(sqlite_server: RunningServer) -> None:
    result = cli(
        "chat", "--user", "carol", stdin="Hello bot\n\nHow are you?\n/quit\nnever sent\n", server=sqlite_server
    )
    assert result.returncode == 0, result.stderr
    replies = result.stdout.strip().splitlines()
    assert len(replies) == 2
    assert "Hello bot" in replies[0] and "How are you?" in replies[1]
    session_line, thread_line = result.stderr.strip().splitlines()
    assert re.fullmatch(r"session cksess_\S+ \(default\) for carol", session_line)
    thread_id = thread_line.removeprefix("thread ")

    with ChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key) as client:
        items = list(client.chatkit.threads.list_items(thread_id, order="asc"))
        assert client.chatkit.threads.retrieve(thread_id).user == "carol"
    assert [i.type for i in items] == ["chatkit.user_message", "chatkit.assistant_message"] * 2
    assert items[1].content[0].text == replies[0]


def test_chat_json_events_and_continuing_a_thread(sqlite_server: RunningServer) -> None:
    with ChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key) as client:
        session = client.chatkit.sessions.create(user="dave", workflow={"id": "default"})
    first = cli("chat", "--client-secret", session.client_secret, "--json", stdin="one\n", server=sqlite_server)
    assert first.returncode == 0, first.stderr
    events = [json.loads(line) for line in first.stdout.splitlines()]
    assert events[0]["type"] == "thread.created"
    assert events[-1]["type"] in ("thread.updated", "thread.item.done")
    thread_id = events[0]["thread"]["id"]
    assert first.stderr.strip() == f"thread {thread_id}"  # no session line: none was created

    second = cli(
        "chat", "--client-secret", session.client_secret, "--thread", thread_id, stdin="two\n", server=sqlite_server
    )
    assert second.returncode == 0 and "two" in second.stdout
    assert second.stderr == ""
    with ChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key) as client:
        assert len(list(client.chatkit.threads.list_items(thread_id))) == 4


def test_chat_with_a_bad_secret_exits_1(sqlite_server: RunningServer) -> None:
    result = cli("chat", "--client-secret", "ck_wrong", stdin="hi\n", server=sqlite_server)
    assert one_line_error(result, 1) == "error: 401 Invalid client secret. (code=invalid_client_secret)"


def test_chat_on_a_terminal(sqlite_server: RunningServer) -> None:
    """Stdin, stdout and stderr on a pseudo-terminal, as when a person types."""
    main, replica = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATKIT_HOST_")}
    env.update(CHATKIT_HOST_BASE_URL=sqlite_server.base_url, CHATKIT_HOST_API_KEY=sqlite_server.admin_key, TERM="xterm")
    process = subprocess.Popen(
        [sys.executable, "-m", "chatkit_host", "chat", "--user", "tty-user"],
        stdin=replica,
        stdout=replica,
        stderr=replica,
        env=env,
    )
    os.close(replica)
    screen = b""

    def read_until(marker: bytes, timeout: float = 30) -> None:
        nonlocal screen
        deadline = time.monotonic() + timeout
        while marker not in screen:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{marker!r} never appeared in {screen!r}"
            ready, _, _ = select.select([main], [], [], remaining)
            if ready:
                screen += os.read(main, 65536)

    try:
        read_until(b"you> ")
        os.write(main, b"typed by a person\n")
        read_until(b"thread cthr_")
        read_until(b"you> ", timeout=30)
        os.write(main, b"/quit\n")
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main)
    text = screen.decode()
    assert "session cksess_" in text and "assistant> " not in text  # the reply needs no prefix (F24)
    reply = text.split("typed by a person", 1)[1]  # after the echo of the typed line...
    assert "You said: typed by a person" in reply.split("thread cthr_", 1)[0]  # ...the reply, then the thread


def test_chat_session_takes_state_variables(sqlite_server: RunningServer) -> None:
    result = cli(
        "chat", "--user", "frank", "--state", "tier=pro", "--state", "seats=2", stdin="hi\n", server=sqlite_server
    )
    assert result.returncode == 0, result.stderr
    session_id = result.stderr.split()[1]
    shown = json.loads(ok(cli("sessions", "show", session_id, "--json", server=sqlite_server)))
    assert shown["workflow"]["state_variables"] == {"tier": "pro", "seats": 2}
    assert cli("chat", "--state", "broken", stdin="", server=sqlite_server).returncode == 2


def test_chat_checks_the_thread_before_making_a_session(sqlite_server: RunningServer) -> None:
    """F24: a wrong --thread fails before a session exists; a right one continues as the thread's user."""
    line = one_line_error(cli("chat", "--thread", "cthr_nope", stdin="hi\n", server=sqlite_server), 1)
    assert line.startswith("error: 404 ") and "cthr_nope" in line
    assert json.loads(ok(cli("sessions", "list", "--json", server=sqlite_server)))["data"] == []  # no orphan

    first = cli("chat", "--user", "owner", stdin="one\n", server=sqlite_server)
    thread_id = first.stderr.strip().splitlines()[-1].removeprefix("thread ")
    again = cli("chat", "--thread", thread_id, stdin="two\n", server=sqlite_server)
    assert again.returncode == 0, again.stderr
    assert again.stderr.startswith("session cksess_") and "for owner" in again.stderr  # the owner, not $USER
    assert "You said: two" in again.stdout
    stranger = one_line_error(cli("chat", "--thread", thread_id, "--user", "eve", stdin="x\n", server=sqlite_server), 1)
    assert stranger == f"error: thread {thread_id} belongs to user 'owner', not 'eve'; leave out --user"
    sessions = json.loads(ok(cli("sessions", "list", "--json", server=sqlite_server)))["data"]
    assert [s["user"] for s in sessions] == ["owner", "owner"]


def test_piped_chat_commands(sqlite_server: RunningServer) -> None:
    """The same /commands work from a pipe; //text sends /text; unknown commands are not sent."""
    script = "first\n/thread\n/new\n//etc is a directory\n/nope\n/help\n"
    result = cli("chat", "--user", "pipe", stdin=script, server=sqlite_server)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[1].endswith("You said: /etc is a directory")
    errors = result.stderr.splitlines()
    threads = [line for line in errors if line.startswith("thread cthr_")]
    assert len(threads) == 3 and threads[0] == threads[1] != threads[2]  # new, /thread, after /new
    assert "unknown command /nope; /help lists the commands (//text sends /text)" in errors
    assert "/quit, /exit   end the chat (so does Ctrl-D)" in errors
