"""``chatkit-host chat`` as a subprocess with piped stdin, against the real runtime."""

from __future__ import annotations

import json
import re

from chatkit_host import ChatKitHost
from tests.conftest import RunningServer
from tests.test_cli import cli, one_line_error


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
