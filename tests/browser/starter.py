"""``StarterResponder``: the workflow side of the starter-shaped test app (tests/browser/apps/hosted_react).

Like the official starter app's workflow it calls the client tool ``switch_theme`` and shows a widget whose
``save_fact`` button is handled by the page (``widgets.onAction``); anything else streams the offline echo.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from chatkit.actions import ActionConfig
from chatkit.types import ClientToolCallItem, ThreadItemDoneEvent, ThreadStreamEvent, WidgetItem
from chatkit.widgets import Button, Card, Text

from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.history import user_text
from chatkit_host.server.workflows.offline import OfflineResponder
from tests.browser.showcase import say

FACT = "You like swimming in cold lakes."


def fact_card() -> Card:
    return Card(
        id="fact",
        children=[
            Text(value=FACT),
            Button(
                label="Save fact",
                onClickAction=ActionConfig(type="save_fact", payload={"fact": FACT}, handler="client"),
            ),
        ],
    )


class StarterResponder:
    def __init__(self, delay: float = 0.03) -> None:
        self.echo = OfflineResponder(delay=delay)
        #: Every action the server received, as (type, payload, sender item id).
        self.actions: list[tuple[str, Any, str | None]] = []

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        if turn.input is None:  # the page sent the client tool's output
            history = await turn.load_history()
            call = next(i for i in reversed(history) if isinstance(i, ClientToolCallItem))
            yield say(turn, f"The page switched the theme: {call.output}")
            return
        text = user_text(turn.input)
        if "theme" in text:
            yield ThreadItemDoneEvent(
                item=ClientToolCallItem(
                    id=turn.new_item_id("tool_call"),
                    thread_id=turn.thread.id,
                    created_at=datetime.now(),
                    call_id="call_theme",
                    name="switch_theme",
                    arguments={"theme": "dark"},
                )
            )
            return
        if "fact" in text:
            item = WidgetItem(
                id=turn.new_item_id("message"), thread_id=turn.thread.id, created_at=datetime.now(), widget=fact_card()
            )
            yield ThreadItemDoneEvent(item=item)
            return
        async for event in self.echo.respond(turn):
            yield event

    async def action(self, turn: Turn, action: Any, sender: WidgetItem | None) -> AsyncIterator[ThreadStreamEvent]:
        self.actions.append((action.type, action.payload, sender.id if sender else None))
        yield say(turn, f"Saved: {(action.payload or {}).get('fact')}")

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return user_text[:40] or None
