"""Render a reply as Markdown while it streams, without redrawing what has scrolled off the screen.

A ``rich.live.Live`` that re-renders the whole reply on each token breaks once the reply is taller than the
terminal: it can only redraw what is on screen, so the top is printed again and again. Here only the block
still being written (the text after the last blank line outside a code fence) is live; each finished block is
printed once above it and never touched again, like a terminal that scrolls.
"""

from __future__ import annotations

import time
from types import TracebackType

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown

#: Redraw the live block at most this often (20 per second looks smooth), not once per token of a fast model.
REFRESH_SECONDS = 0.05
_FENCES = ("```", "~~~")


def _is_fence(line: str) -> bool:
    return line.lstrip().startswith(_FENCES)


def last_block_boundary(text: str) -> int:
    """Index just after the last blank line of ``text`` that is not inside a fenced code block, or 0."""
    boundary, open_fence, position = 0, False, 0
    lines = text.split("\n")
    for index, line in enumerate(lines[:-1]):  # the last line is unfinished: it cannot end a block
        position += len(line) + 1
        if _is_fence(line):
            open_fence = not open_fence
        elif not open_fence and not line.strip() and index > 0:
            boundary = position
    return boundary


class MarkdownStream:
    """``with MarkdownStream(console) as out: out.add(piece)``; the last render stays on screen."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.text = ""
        self._committed = 0
        self._drawn_at = 0.0
        # Not transient: the final render of the last block is the answer. No auto refresh thread: updates are
        # driven by arriving text, so nothing redraws while the model is silent.
        self._live = Live(console=console, auto_refresh=False, transient=False, redirect_stderr=False)

    def __enter__(self) -> MarkdownStream:
        self._live.start()
        return self

    def add(self, piece: str) -> None:
        self.text += piece
        tail = self.text[self._committed :]
        boundary = last_block_boundary(tail)
        if boundary:
            finished = tail[:boundary].strip("\n")
            self._committed += boundary
            if finished:
                # Printed above the live block, once; the blank line keeps paragraphs apart as Markdown would.
                self._live.console.print(Markdown(finished))
                self._live.console.print()
            self._draw(force=True)
        else:
            self._draw()

    def _draw(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._drawn_at >= REFRESH_SECONDS:
            self._drawn_at = now
            self._live.update(Markdown(self.text[self._committed :]), refresh=True)

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._draw(force=True)
        self._live.stop()
