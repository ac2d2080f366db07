"""A streamed turn as data: what ``core.py`` decided before the first byte, and ``stream.py`` carries out.

The handlers in ``core.py`` do every check and every lookup first (so a refusal is still a JSON 4xx) and
build a :class:`TurnPlan`: the thread, the records to write when the stream starts, and where the events come
from. Everything is known by then, the user item's id, timestamp and attachments included, so the plan is a
frozen value; :class:`~chatkit_host.server.runtime.stream.TurnStream` runs any plan the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatkit.actions import Action
from chatkit.types import ThreadItem, UserMessageItem, WidgetItem

from chatkit_host.server.store import AttachmentRecord, ThreadRecord


@dataclass(frozen=True)
class SaveFirst:
    """What the stream writes before the responder starts, in this order.

    1. ``delete_after``: the items after this one go (a retry).
    2. ``thread``, ``message``, ``attachments`` and ``items`` in one transaction, so a new thread never exists
       without the message that started it. Writing to an existing thread bumps its ``updated_at``.
    3. ``deleted``: single items removed (stale client tool calls).

    The client is told of the new thread (``thread.created``) and the new message (``thread.item.done``);
    the other writes are silent, as the protocol has them.
    """

    #: A thread created by this turn.
    thread: ThreadRecord | None = None
    #: The user message this turn adds (announced to the client).
    message: UserMessageItem | None = None
    #: The message's attachments, now bound to the thread.
    attachments: tuple[AttachmentRecord, ...] = ()
    #: Other items saved as they are (a client tool call with its output).
    items: tuple[ThreadItem, ...] = ()
    #: Ids of items to delete.
    deleted: tuple[str, ...] = ()
    #: Delete every item after this one.
    delete_after: str | None = None


@dataclass(frozen=True)
class Respond:
    """``responder.respond(turn)``: the answer to a message, a tool output, a structured input or a retry."""

    #: Sent (and saved) as ``thread.item.replaced`` right before the answer: a structured input's new state.
    replaced: ThreadItem | None = None


@dataclass(frozen=True)
class RunAction:
    """``responder.action(turn, action, sender)``: a widget or custom action."""

    action: Action[str, Any]
    sender: WidgetItem | None


Source = Respond | RunAction


@dataclass(frozen=True)
class TurnPlan:
    thread: ThreadRecord
    #: The user message the turn answers (new, or the one retried); None after a tool output or an action.
    user_item: UserMessageItem | None
    save_first: SaveFirst
    source: Source

    @property
    def new(self) -> bool:
        """Whether the turn creates its thread."""
        return self.save_first.thread is not None
