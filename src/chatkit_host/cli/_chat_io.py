"""The terminal side of ``chatkit-host chat``: reading lines and printing replies, for people and for pipes.

For a person (stdin and stdout both terminals) lines are read with ``readline`` (arrow keys, history kept in
``$XDG_STATE_HOME/chatkit-host/chat_history``), a spinner runs on stderr until the first token, and the reply is
rendered as Markdown as it streams. For a pipe everything stays as plain as before: prompts (when stdin alone is
a terminal) go to stderr and the reply's raw text to stdout, so ``chat > reply.txt`` holds only replies.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from types import TracebackType

import click
from rich.console import Console
from rich.status import Status

from chatkit_host.cli._markdown_stream import MarkdownStream

PROMPT = "you> "
HISTORY_LENGTH = 1000


def history_file() -> Path:
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(state) / "chatkit-host" / "chat_history"


class LineReader:
    """Reads one message per line; ``None`` at end of input. Ctrl-C at the prompt raises KeyboardInterrupt."""

    def __init__(self) -> None:
        self.prompting = sys.stdin.isatty()
        # input() with readline needs stdout to be the terminal too: it writes the prompt there.
        self.editing = self.prompting and sys.stdout.isatty()
        self._history: Path | None = None
        if self.editing:
            self._start_readline()

    def _start_readline(self) -> None:
        try:
            import readline
        except ImportError:  # Windows without pyreadline: plain input() still works
            return
        readline.set_history_length(HISTORY_LENGTH)
        self._history = history_file()
        with suppress(OSError):  # no history yet, or an unreadable one: start empty
            readline.read_history_file(self._history)

    def read(self) -> str | None:
        if self.editing:
            try:
                return input(PROMPT)
            except EOFError:
                click.echo("", err=True)  # Ctrl-D: end the prompt's line before the shell's prompt
                return None
        if self.prompting:
            click.echo(PROMPT, nl=False, err=True)
        line = sys.stdin.readline()
        return line if line else None

    def close(self) -> None:
        if self._history is None:
            return
        import readline

        with suppress(OSError):  # history is a convenience: a read-only home must not fail the chat
            self._history.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(self._history)


class ReplyPrinter:
    """Prints one reply: ``with printer.reply() as out: out.add(piece)``."""

    def __init__(self) -> None:
        self.rich = sys.stdout.isatty()
        self.stdout = Console(highlight=False)
        self.stderr = Console(stderr=True, highlight=False)

    def reply(self) -> Reply:
        return Reply(self)


class Reply:
    """One reply in progress: a spinner until the first piece, then Markdown (terminal) or raw text (pipe)."""

    def __init__(self, printer: ReplyPrinter) -> None:
        self._printer = printer
        self._status: Status | None = None
        self._markdown: MarkdownStream | None = None
        #: Whether something was printed on the current line of stdout (raw mode), so errors start a new one.
        self.mid_line = False

    def __enter__(self) -> Reply:
        if self._printer.stderr.is_terminal:
            self._status = self._printer.stderr.status("thinking…", spinner="dots")
            self._status.start()
        return self

    def add(self, piece: str) -> None:
        if not piece:
            return
        self._stop_spinner()
        if self._printer.rich:
            if self._markdown is None:
                self._markdown = MarkdownStream(self._printer.stdout).__enter__()
            self._markdown.add(piece)
        else:
            click.echo(piece, nl=False)
            self.mid_line = not piece.endswith("\n")

    def _stop_spinner(self) -> None:
        if self._status is not None:
            self._status.stop()
            self._status = None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop_spinner()
        if self._markdown is not None:
            self._markdown.__exit__(exc_type, exc, tb)
        elif not self._printer.rich and (exc_type is None or self.mid_line):
            # A reply ends its line; so does a reply cut off by an error, so the error line stands alone.
            click.echo()


def pieces_until_interrupted(pieces: Iterator[str], reply: Reply) -> bool:
    """Feed ``pieces`` to ``reply``; False when Ctrl-C stopped it (the stream is closed, the server keeps the part).

    Closing the generator closes the HTTP response, which the runtime sees as the client going away: it
    stops the run and saves the partial answer, as the chat UI's Stop button does.
    """
    try:
        for piece in pieces:
            reply.add(piece)
    except KeyboardInterrupt:
        close = getattr(pieces, "close", None)
        if close is not None:
            close()
        return False
    return True
