"""The built-in offline responder: a stand-in model that needs no network and no API key.

It streams a short, honest reply word by word, so the whole runtime path (events, persistence, titles,
cancellation) works before a workflow engine or model provider is configured.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from chatkit.actions import Action
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    UserMessageItem,
    WidgetItem,
)

from chatkit_host.runtime.turn import Turn

INTRO = "I am chatkit-host's offline stand-in model: no language model is configured, so I can only echo you."


def user_text(item: UserMessageItem | None) -> str:
    if item is None:
        return ""
    return " ".join(part.text for part in item.content).strip()


class OfflineResponder:
    """Echoes the user's words after a one-line notice.

    ``delay`` (seconds between words) and ``repeat`` (how many times the echo is repeated) exist so that
    tests and benchmarks can make the same responder slow or long; the defaults answer instantly.
    """

    def __init__(self, *, delay: float = 0.0, repeat: int = 1) -> None:
        self.delay = delay
        self.repeat = repeat

    def _words(self, turn: Turn) -> list[str]:
        said = user_text(turn.input) or "(nothing)"
        words = [*INTRO.split(" "), "You", "said:", *said.split()]
        for _ in range(self.repeat - 1):
            words += said.split() or ["(nothing)"]
        return words

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        item_id = turn.new_item_id("message")
        created = datetime.now()
        empty = AssistantMessageItem(id=item_id, thread_id=turn.thread.id, created_at=created, content=[])
        yield ThreadItemAddedEvent(item=empty)
        yield ThreadItemUpdatedEvent(
            item_id=item_id,
            update=AssistantMessageContentPartAdded(content_index=0, content=AssistantMessageContent(text="")),
        )
        parts: list[str] = []
        for index, word in enumerate(self._words(turn)):
            delta = word if index == 0 else " " + word
            parts.append(delta)
            if self.delay:
                await asyncio.sleep(self.delay)
            yield ThreadItemUpdatedEvent(
                item_id=item_id, update=AssistantMessageContentPartTextDelta(content_index=0, delta=delta)
            )
        content = AssistantMessageContent(text="".join(parts))
        yield ThreadItemUpdatedEvent(
            item_id=item_id, update=AssistantMessageContentPartDone(content_index=0, content=content)
        )
        yield ThreadItemDoneEvent(
            item=AssistantMessageItem(id=item_id, thread_id=turn.thread.id, created_at=created, content=[content])
        )

    async def action(
        self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        # No widgets come from this model, so an action can only be acknowledged.
        item_id = turn.new_item_id("message")
        text = f"The offline stand-in model received the action '{action.type}' but cannot act on it."
        yield ThreadItemDoneEvent(
            item=AssistantMessageItem(
                id=item_id,
                thread_id=turn.thread.id,
                created_at=datetime.now(),
                content=[AssistantMessageContent(text=text)],
            )
        )

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return None
