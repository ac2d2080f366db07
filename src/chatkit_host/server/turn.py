"""The seam between the runtime protocol and whatever produces answers (the workflow engine).

The runtime owns the protocol, persistence and session enforcement; a :class:`Responder` only turns a
:class:`Turn` into ChatKit stream events. The runtime persists what the events say (``thread.item.done`` adds
an item, ``thread.item.replaced`` saves it, ``thread.item.removed`` deletes it) and sends them to the client.
Cancellation arrives as ``asyncio.CancelledError`` inside the responder's generator.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from chatkit.actions import Action
from chatkit.types import (
    ThreadItem,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
    WidgetItem,
)

from chatkit_host.server.store.records import SessionRecord

#: Item kinds the runtime mints ids for: ``new_item_id("message")`` and so on.
ItemKind = str


class HistoryLoader(Protocol):
    """Loads the newest items of the thread within ``max_tokens`` (estimated; None: the runtime's default),
    oldest first, hidden context included, always from the turn's input on. Older items are dropped first."""

    def __call__(self, max_tokens: int | None = None) -> Awaitable[list[ThreadItem]]: ...


@dataclass
class Turn:
    """One model turn in a thread, with everything a responder may read."""

    session: SessionRecord
    thread: ThreadMetadata
    #: The user message that started the turn; None after a client tool output or structured input.
    input: UserMessageItem | None
    #: Loads the thread's newest items within a token budget, oldest first (see :class:`HistoryLoader`).
    load_history: HistoryLoader
    #: Mints a time-sortable item id (runtime ids, so items order by creation).
    new_item_id: Callable[[ItemKind], str]
    #: ``Accept-Language`` of the request, if any.
    locale: str | None = None
    #: Free-form values the runtime hands through (request metadata from the client).
    metadata: dict[str, Any] = field(default_factory=dict)


class Responder(Protocol):
    """Produces the events of a turn. The built-in offline responder and the workflow engine implement it."""

    def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        """Stream the answer to ``turn``; the generator is cancelled if the client goes away."""
        ...

    def action(
        self, turn: Turn, action: Action[str, Any], sender: WidgetItem | None
    ) -> AsyncIterator[ThreadStreamEvent]:
        """Stream the result of a widget or custom action."""
        ...

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        """A short thread title after the first exchange, or None to use the runtime's fallback."""
        ...
