"""Replies for the rendering tests and screenshots: Markdown samples, streamed in small deltas, and widgets.

``RenderResponder`` answers ``md:<name>`` with ``MARKDOWN[name]`` (``md-slow:<name>`` streams it slower),
``widgets`` with every widget component of ``types/widgets.d.ts`` in ``@openai/chatkit`` 1.9 (as the JSON the
element receives: chatkit-python has no ``Table`` yet, so the trees are sent as ``DynamicWidgetRoot``),
``hostile widgets`` with widgets whose values try to inject markup, ``slow ...`` after a pause of 1.5 s before
anything arrives, and a message with an attachment with the conversation of the screenshots.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

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
    WidgetItem,
)
from chatkit.widgets import DynamicWidgetRoot

from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.history import user_text
from tests.browser.harness import png_bytes

PIXEL = "data:image/png;base64," + __import__("base64").b64encode(png_bytes(24, 16)).decode()

TABLE_AND_CODE = """Here is the **plan** for the trip, with `uv` doing the installs:

| Day | Place | Distance (km) | Done |
|:----|:-----:|--------------:|------|
| Mon | Lake *Orta* | 12.5 | ✓ |
| Tue | Monte Mottarone | 8 | |
| Wed | Stresa | 21.25 | |

```python
def total(days: list[float]) -> float:
    return sum(days)  # 41.75
```

1. Pack the bag
   - water
   - a map
2. Check the weather

> The lake is cold in *May*.

- [x] tickets
- [ ] snacks

See [the guide](https://example.org/orta) or mail <mailto:guide@example.org>.

---

~~Rent a car~~ Take the train."""

#: Each name is a Markdown source the tests send as ``md:<name>``.
MARKDOWN: dict[str, str] = {
    "table-code": TABLE_AND_CODE,
    "links": "\n".join(
        [
            "- [web](https://example.org/a)",
            "- [mail](mailto:me@example.org)",
            "- [page](/docs/page)",
            "- [fragment](#top)",
            "- [backslash](/\\evil.example/x)",
            "- [script](javascript:alert(1))",
            "- [data](data:text/html,<script>alert(1)</script>)",
            "- [vb](vbscript:msgbox)",
            "- [proto-relative](//evil.example/z)",
            "- bare https://example.org/bare link",
        ]
    ),
    "images": "\n\n".join(
        [
            f"![inline pixel]({PIXEL})",
            "![remote tracker](https://images.example.com/t.png)",
            "![script](javascript:alert(1))",
            "![svg](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9ImFsZXJ0KDEpIi8+)",
        ]
    ),
    "nested": "1. one\n   1. one.a\n   2. one.b\n      - deep\n2. two\n\n"
    "- bullet\n  > quoted in a list\n- [ ] open task\n- [x] done task",
    "hostile": "\n".join(
        [
            '| <img src=x onerror="window.pwned=1"> | <script>window.pwned=2</script> |',
            "|---|---|",
            '| <svg onload="window.pwned=3"> | [x](javascript:window.pwned=4) |',
            "",
            '```html"><img src=x onerror="window.pwned=5">',
            "<script>window.pwned=6</script>",
            "```",
            "",
            '- [ ] <iframe src="javascript:window.pwned=7"></iframe>',
            "",
            '> <a href="javascript:window.pwned=8">quote</a>',
            "",
            '![<img src=x onerror="window.pwned=9">](https://x.example/y.png)',
            "",
            '[<b onmouseover="window.pwned=10">label</b>](https://example.org/)',
        ]
    ),
}


def widget_tree(tree: dict[str, Any]) -> DynamicWidgetRoot:
    """A widget root as the JSON of widgets.d.ts, passed through unchanged."""
    return DynamicWidgetRoot.model_validate(tree)


def every_widget() -> list[dict[str, Any]]:
    """Cards using every component and most props of widgets.d.ts (1.9), with actions the tests click."""
    card: dict[str, Any] = {
        "type": "Card",
        "id": "all",
        "size": "lg",
        "status": {"text": "Booking assistant", "icon": "calendar"},
        "border": {"size": 2, "color": "info", "style": "dashed"},
        "children": [
            {
                "type": "Row",
                "gap": 2,
                "children": [
                    {"type": "Icon", "id": "icon-star", "name": "star-filled", "color": "warning", "size": "lg"},
                    {"type": "Icon", "id": "icon-lucide", "name": "lucide:rocket", "size": "lg"},
                    {"type": "Title", "value": "Every widget", "size": "lg", "weight": "bold"},
                    {"type": "Spacer", "minSize": 4},
                    {
                        "type": "Badge",
                        "id": "badge",
                        "label": "New",
                        "color": "discovery",
                        "variant": "solid",
                        "pill": True,
                    },
                ],
            },
            {"type": "Text", "id": "clamped", "value": "A long line " * 30, "maxLines": 2, "color": "secondary"},
            {"type": "Caption", "value": "Caption text", "size": "sm"},
            {"type": "Markdown", "value": "**Markdown** with `code`"},
            {"type": "Divider", "id": "divider", "color": "danger", "size": 3, "spacing": 2},
            {
                "type": "Table",
                "id": "table",
                "children": [
                    {
                        "type": "Table.Row",
                        "header": True,
                        "children": [
                            {"type": "Table.Cell", "children": [{"type": "Text", "value": "Item"}]},
                            {"type": "Table.Cell", "align": "end", "children": [{"type": "Text", "value": "Price"}]},
                        ],
                    },
                    {
                        "type": "Table.Row",
                        "children": [
                            {"type": "Table.Cell", "children": [{"type": "Text", "value": "Ticket"}]},
                            {"type": "Table.Cell", "align": "end", "children": [{"type": "Text", "value": "12 EUR"}]},
                        ],
                    },
                    {
                        "type": "Table.Row",
                        "children": [
                            {
                                "type": "Table.Cell",
                                "colSpan": 2,
                                "align": "center",
                                "children": [{"type": "Caption", "value": "Total 12 EUR"}],
                            }
                        ],
                    },
                ],
            },
            {
                "type": "Image",
                "id": "image",
                "src": PIXEL,
                "alt": "pixel",
                "size": 12,
                "radius": "full",
                "aspectRatio": 1,
                "fit": "cover",
                "frame": True,
            },
            {
                "type": "Form",
                "id": "form",
                "onSubmitAction": {"type": "form.send", "payload": {"from": "form"}},
                "direction": "col",
                "children": [
                    {"type": "Label", "id": "label", "value": "Your name", "fieldName": "name"},
                    {"type": "Input", "name": "name", "defaultValue": "Ada", "pattern": "[A-Za-z]+", "required": True},
                    {"type": "Textarea", "name": "note", "rows": 2, "autoResize": True, "maxRows": 4},
                    {
                        "type": "Select",
                        "name": "seat",
                        "options": [{"value": "a", "label": "Aisle"}, {"value": "w", "label": "Window"}],
                        "defaultValue": "w",
                        "clearable": True,
                    },
                    {"type": "Checkbox", "name": "meal", "label": "Meal", "defaultChecked": True},
                    {
                        "type": "RadioGroup",
                        "name": "class",
                        "ariaLabel": "Class",
                        "direction": "row",
                        "defaultValue": "eco",
                        "options": [
                            {"value": "eco", "label": "Economy"},
                            {"value": "first", "label": "First", "disabled": True},
                        ],
                    },
                    {"type": "DatePicker", "name": "day", "defaultValue": "2026-06-01T00:00:00", "pill": True},
                    {
                        "type": "Text",
                        "id": "editable",
                        "value": "Editable text",
                        "editable": {"name": "title", "required": True},
                    },
                    {
                        "type": "Row",
                        "gap": 2,
                        "children": [
                            {
                                "type": "Button",
                                "id": "send",
                                "label": "Send",
                                "submit": True,
                                "iconStart": "write",
                                "color": "primary",
                                "variant": "solid",
                            },
                            {
                                "type": "Button",
                                "id": "danger",
                                "label": "Delete",
                                "iconEnd": "lucide:trash-2",
                                "color": "danger",
                                "variant": "outline",
                                "onClickAction": {"type": "item.delete", "payload": {"id": 7}},
                            },
                            {
                                "type": "Button",
                                "id": "ghost",
                                "iconStart": "dots-horizontal",
                                "uniform": True,
                                "variant": "ghost",
                                "onClickAction": {"type": "more"},
                            },
                            {"type": "Button", "id": "off", "label": "Off", "disabled": True, "pill": True},
                        ],
                    },
                ],
            },
            {"type": "Transition", "children": {"type": "Caption", "id": "transition", "value": "In a transition"}},
        ],
    }
    listview: dict[str, Any] = {
        "type": "ListView",
        "id": "list",
        "limit": 2,
        "status": {"text": "Three places", "icon": "map-pin"},
        "children": [
            {
                "type": "ListViewItem",
                "onClickAction": {"type": "place.pick", "payload": {"place": name}},
                "children": [{"type": "Icon", "name": "map-pin"}, {"type": "Text", "value": name}],
            }
            for name in ("Orta", "Stresa", "Arona")
        ],
    }
    collapsed: dict[str, Any] = {
        "type": "Card",
        "id": "collapsed",
        "collapsed": True,
        "status": {"text": "Show details", "icon": "info"},
        "children": [{"type": "Text", "id": "hidden-text", "value": "Hidden until opened"}],
    }
    basic: dict[str, Any] = {
        "type": "Basic",
        "id": "basic",
        "theme": "dark",
        "direction": "row",
        "gap": 2,
        "padding": 2,
        "background": "#101418",
        "children": [{"type": "Text", "id": "dark-text", "value": "A dark root"}],
    }
    return [card, listview, collapsed, basic]


HOSTILE_WIDGET: dict[str, Any] = {
    "type": "Card",
    "id": "hostile",
    "background": "url(https://evil.example/bg.png)",
    "status": {"text": "<img src=x onerror=window.pwned=1>", "favicon": "https://evil.example/favicon.ico"},
    "children": [
        {"type": "Icon", "id": "bad-icon", "name": "lucide:../../../admin"},
        {"type": "Icon", "id": "bad-icon-2", "name": '"><script>window.pwned=2</script>'},
        {"type": "Text", "value": "<script>window.pwned=3</script>", "color": "expression(alert(1))"},
        {"type": "Image", "src": "javascript:window.pwned=4", "alt": "<b>x</b>"},
        {"type": "Image", "src": "https://evil.example/i.png", "alt": "remote"},
        {
            "type": "Table",
            "children": [
                {
                    "type": "Table.Row",
                    "children": [
                        {
                            "type": "Table.Cell",
                            "width": "calc(1px + url(x))",
                            "children": [{"type": "Markdown", "value": "<iframe src=javascript:window.pwned=5>"}],
                        }
                    ],
                }
            ],
        },
        {"type": "Button", "label": "<b>bold</b>", "iconStart": 'lucide:x" onload="window.pwned=6'},
        {"type": "Divider", "color": "red;background:url(https://evil.example/d.png)"},
    ],
}


def message(turn: Turn, item_id: str, text: str) -> AssistantMessageItem:
    content = [AssistantMessageContent(text=text)] if text else []
    return AssistantMessageItem(id=item_id, thread_id=turn.thread.id, created_at=datetime.now(), content=content)


async def stream_text(turn: Turn, text: str, chunk: int = 9, delay: float = 0.012) -> AsyncIterator[ThreadStreamEvent]:
    """An assistant message that arrives ``chunk`` characters at a time, as a model's would."""
    item_id = turn.new_item_id("message")
    yield ThreadItemAddedEvent(item=message(turn, item_id, ""))
    yield ThreadItemUpdatedEvent(
        item_id=item_id,
        update=AssistantMessageContentPartAdded(content_index=0, content=AssistantMessageContent(text="")),
    )
    for start in range(0, len(text), chunk):
        await asyncio.sleep(delay)
        yield ThreadItemUpdatedEvent(
            item_id=item_id,
            update=AssistantMessageContentPartTextDelta(content_index=0, delta=text[start : start + chunk]),
        )
    done = AssistantMessageContent(text=text)
    yield ThreadItemUpdatedEvent(item_id=item_id, update=AssistantMessageContentPartDone(content_index=0, content=done))
    yield ThreadItemDoneEvent(item=message(turn, item_id, text))


def widget_item(turn: Turn, tree: dict[str, Any]) -> ThreadItemDoneEvent:
    return ThreadItemDoneEvent(
        item=WidgetItem(
            id=turn.new_item_id("message"),
            thread_id=turn.thread.id,
            created_at=datetime.now(),
            widget=widget_tree(tree),
        )
    )


SHOWCASE_REPLY = """I read **photo.png** (160 by 100 px). Here is the plan as a table:

| Step | Owner | Due |
|:-----|:-----:|----:|
| Draft the poster | Ada | Mon |
| Print 40 copies | Lin | Wed |

```bash
chatkit-host serve --port 8000
```

- [x] photo received
- [ ] poster approved"""


def showcase_card() -> dict[str, Any]:
    return {
        "type": "Card",
        "id": "poster",
        "status": {"text": "Poster workflow", "icon": "sparkle"},
        "children": [
            {
                "type": "Row",
                "children": [
                    {"type": "Icon", "name": "square-image", "size": "lg", "color": "info"},
                    {"type": "Title", "value": "Poster v1"},
                    {"type": "Spacer"},
                    {"type": "Badge", "label": "Draft", "color": "warning"},
                ],
            },
            {"type": "Text", "value": "A4, two colours, 40 copies.", "color": "secondary"},
            {
                "type": "Row",
                "children": [
                    {
                        "type": "Button",
                        "label": "Approve",
                        "iconStart": "check",
                        "color": "primary",
                        "onClickAction": {"type": "poster.approve"},
                    },
                    {"type": "Button", "label": "Edit", "iconStart": "write", "onClickAction": {"type": "poster.edit"}},
                ],
            },
        ],
    }


class RenderResponder:
    """The answers of the rendering tests (see the module docstring)."""

    def __init__(self) -> None:
        self.actions: list[tuple[str, Any]] = []

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        text = (user_text(turn.input) if turn.input else "") or ""
        if turn.input is not None and turn.input.attachments:
            async for event in stream_text(turn, SHOWCASE_REPLY):
                yield event
            yield widget_item(turn, showcase_card())
            return
        if text.startswith("md:"):
            async for event in stream_text(turn, MARKDOWN[text[3:].strip()]):
                yield event
            return
        if text.startswith("md-slow:"):  # 9 characters every 60 ms: time for a test to act mid-stream
            async for event in stream_text(turn, MARKDOWN[text[8:].strip()], delay=0.06):
                yield event
            return
        if text.startswith("slow"):  # a model that takes a while before its first token
            await asyncio.sleep(1.5)
        if text == "hostile widgets":
            yield widget_item(turn, HOSTILE_WIDGET)
            return
        if text == "widgets":
            for tree in every_widget():
                yield widget_item(turn, tree)
            return
        async for event in stream_text(turn, f"You said: {text}"):
            yield event

    async def action(self, turn: Turn, action: Any, sender: WidgetItem | None) -> AsyncIterator[ThreadStreamEvent]:
        self.actions.append((action.type, action.payload))
        yield ThreadItemDoneEvent(
            item=message(turn, turn.new_item_id("message"), f"Action {action.type} {json.dumps(action.payload)}")
        )

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return "Rendering"
