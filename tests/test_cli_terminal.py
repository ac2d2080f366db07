"""``chatkit-host chat`` on a pseudo-terminal, as a person uses it: keys, Ctrl-C, the spinner, Markdown.

The child gets the pty as its controlling terminal (its own session), so Ctrl-C is the byte ``\\x03`` typed into
the terminal and the line discipline turns it into SIGINT, exactly as in a shell; arrow keys are the escape
sequences a terminal sends. The server is the real app; slow and Markdown replies come from the fake OpenAI
server (tests/support/fake_openai.py).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

from chatkit_host import ChatKitHost
from chatkit_host.cli.threads import item_text
from tests.support.fake_openai import FakeOpenAI, RecordedRequest, Reply
from tests.support.servers import MakeServer, RunningServer

CTRL_C = b"\x03"
LEFT, UP = b"\x1b[D", b"\x1b[A"
_ANSI = re.compile(rb"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")


class Terminal:
    """A process on a pseudo-terminal of ``columns`` x ``rows``; ``screen`` is everything it wrote (ANSI removed)."""

    def __init__(self, args: list[str], env: dict[str, str], columns: int = 80, rows: int = 24) -> None:
        self.main, replica = pty.openpty()
        fcntl.ioctl(replica, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))

        def take_the_terminal() -> None:  # in the child: a new session whose controlling terminal is the pty
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.process = subprocess.Popen(
            [sys.executable, "-m", "chatkit_host", *args],
            stdin=replica,
            stdout=replica,
            stderr=replica,
            env=env,
            preexec_fn=take_the_terminal,
        )
        os.close(replica)
        self.raw = b""

    @property
    def screen(self) -> str:
        return _ANSI.sub(b"", self.raw).decode(errors="replace")

    def read_until(self, marker: str, timeout: float = 30, after: int = 0) -> int:
        """Wait until ``marker`` shows after position ``after`` of the screen; returns the position past it."""
        deadline = time.monotonic() + timeout
        while (found := self.screen.find(marker, after)) < 0:
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{marker!r} never appeared in {self.screen[after:]!r}"
            ready, _, _ = select.select([self.main], [], [], remaining)
            if ready:
                try:
                    self.raw += os.read(self.main, 65536)
                except OSError:  # the child closed the terminal
                    assert marker in self.screen[after:], f"{marker!r} never appeared in {self.screen[after:]!r}"
        return found + len(marker)

    def type(self, keys: bytes) -> None:
        os.write(self.main, keys)

    def finish(self, timeout: float = 60) -> int:
        """Read everything until the process closes the terminal; its exit code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.main], [], [], deadline - time.monotonic())
            try:
                chunk = os.read(self.main, 65536) if ready else b""
            except OSError:  # the child closed the terminal: everything is read
                break
            if ready and not chunk:
                break
            self.raw += chunk
        return self.wait()

    def wait(self, timeout: float = 30) -> int:
        code = self.process.wait(timeout=timeout)
        self.close()
        return code

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            os.close(self.main)


def chat_env(server: RunningServer, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHATKIT_HOST_", "COLUMNS", "LINES"))}
    env.update(
        CHATKIT_HOST_BASE_URL=server.base_url,
        CHATKIT_HOST_API_KEY=server.admin_key,
        TERM="xterm",
        XDG_STATE_HOME=str(tmp_path / "state"),
    )
    return env


def user_messages(server: RunningServer, user: str) -> list[list[str]]:
    """Per thread of ``user`` (oldest first), the text of each message, user and assistant."""
    with ChatKitHost(base_url=server.base_url, api_key=server.admin_key) as client:
        threads = list(client.chatkit.threads.list(user=user, order="asc"))
        return [[item_text(i) for i in client.chatkit.threads.list_items(t.id, order="asc")] for t in threads]


def test_line_editing_history_and_commands(sqlite_server: RunningServer, tmp_path: Path) -> None:
    term = Terminal(["chat", "--user", "keys"], chat_env(sqlite_server, tmp_path))
    try:
        at = term.read_until("you> ")
        term.type(b"/help\r")
        at = term.read_until("/thread ID", after=at)  # the list, not a message to the model
        at = term.read_until("you> ", after=at)
        term.type(b"abc" + LEFT + LEFT + b"X\r")  # arrow keys edit the line: "aXbc"
        at = term.read_until("thread cthr_", after=at)
        at = term.read_until("you> ", after=at)
        term.type(UP + b"\r")  # the history brings the last line back
        at = term.read_until("You said: aXbc", after=at)
        at = term.read_until("you> ", after=at)
        term.type(b"/new\r")
        at = term.read_until("you> ", after=at)
        term.type(b"/bogus\r")
        at = term.read_until("unknown command /bogus", after=at)
        at = term.read_until("you> ", after=at)
        term.type(CTRL_C)  # at the prompt: the chat ends, as an interrupted command
        assert term.wait() == 130
    finally:
        term.close()
    assert "^[[D" not in term.screen
    [thread] = user_messages(sqlite_server, "keys")
    assert thread[0::2] == ["aXbc", "aXbc"]  # /help, /new and /bogus were never sent
    history = (tmp_path / "state" / "chatkit-host" / "chat_history").read_text()
    assert "aXbc" in history and "/help" in history


MARKDOWN = "Here is **bold** text.\n\n- one item\n- two items\n\n```\ncode line\n```\n\nThe end."
LONG = " ".join(f"word{n}" for n in range(400))


def replies(request: RecordedRequest) -> Reply:
    said = request.transcript()
    if "title" in request.system_text().lower():
        return Reply(text="A title")
    if "long please" in said.splitlines()[-1]:
        return Reply(text=LONG, chunk_delay=0.03)  # 4 characters per frame: ~30 s in all, stopped long before
    return Reply(text=MARKDOWN, delay=1.5, chunk_delay=0.01)  # 1.5 s to the first token: the spinner shows


def test_spinner_markdown_and_ctrl_c_stops_only_the_reply(
    make_server: MakeServer, fake_openai: FakeOpenAI, tmp_path: Path
) -> None:
    fake_openai.rule = replies
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", default_model="fake-slow")
    term = Terminal(["chat", "--user", "md"], chat_env(server, tmp_path))
    try:
        at = term.read_until("you> ")
        term.type(b"first\r")
        at = term.read_until("thinking", after=at)  # before the first token
        at = term.read_until("The end.", after=at)
        shown = term.screen[term.screen.rfind("first") : at]
        assert "**bold**" not in shown and "bold" in shown  # rendered, not raw
        assert "• one item" in shown and "- one item" not in shown
        assert "code line" in shown and "```" not in shown
        at = term.read_until("you> ", after=at)

        term.type(b"long please\r")
        at = term.read_until("word20", after=at)
        term.type(CTRL_C)  # mid-reply: stops the reply, not the chat
        at = term.read_until("(stopped", after=at)
        at = term.read_until("you> ", after=at)
        assert term.process.poll() is None
        term.type(CTRL_C)
        assert term.wait() == 130
    finally:
        term.close()
    assert "word399" not in term.screen
    deadline = time.monotonic() + 10
    while True:  # the runtime saves the partial answer once it sees the client go
        [thread] = user_messages(server, "md")
        if len(thread) == 4 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert thread[2] == "long please"
    assert thread[3].startswith("word0 word1") and "word399" not in thread[3]


def test_ids_are_never_cut_on_an_80_column_terminal(sqlite_server: RunningServer, tmp_path: Path) -> None:
    """F7: id columns keep their width; the text column wraps instead."""
    long_message = "a message long enough to need wrapping at eighty columns " * 3
    with ChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key) as client:
        session = client.chatkit.sessions.create(user="narrow", workflow={"id": "default"})
        chat = client.chatkit.conversation(session.client_secret)
        chat.ask(long_message)
        assert chat.thread_id is not None
        item_ids = [i.id for i in client.chatkit.threads.list_items(chat.thread_id)]
        trace_ids = [t.id for t in client.chatkit.traces.list(thread_id=chat.thread_id)]
    env = chat_env(sqlite_server, tmp_path)
    for args, ids in ((["threads", "items", chat.thread_id], item_ids), (["traces", "list"], trace_ids)):
        term = Terminal(args, env, columns=80)
        try:
            assert term.finish() == 0
        finally:
            term.close()
        assert "…" not in term.screen
        for id_ in ids:
            assert id_ in term.screen, (id_, term.screen)
        assert max(len(line) for line in term.screen.splitlines()) <= 80
