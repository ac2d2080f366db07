"""Thread items to Agents SDK input: ``openai-chatkit``'s converter, with the cases it leaves to us."""

from __future__ import annotations

from typing import Any

import orjson
from agents import TResponseInputItem
from chatkit.agents import ThreadItemConverter
from chatkit.types import (
    AssistantMessageItem,
    Attachment,
    HiddenContextItem,
    ThreadItem,
    UserMessageItem,
    UserMessageTagContent,
)
from openai.types.responses import EasyInputMessageParam, ResponseInputTextParam
from openai.types.responses.response_input_item_param import Message


class HistoryConverter(ThreadItemConverter):
    """Attachments and tags become text the model can read; hidden context of any shape is passed on."""

    async def attachment_to_message_content(self, attachment: Attachment) -> ResponseInputTextParam:
        return ResponseInputTextParam(
            type="input_text", text=f"[attachment: {attachment.name} ({attachment.mime_type}), id {attachment.id}]"
        )

    async def tag_to_message_content(self, tag: UserMessageTagContent) -> ResponseInputTextParam:
        return ResponseInputTextParam(type="input_text", text=f"[{tag.text}]")

    async def assistant_message_to_input(self, item: AssistantMessageItem) -> TResponseInputItem | None:
        # Plain string content: the Chat Completions converter rejects output_text parts with logprobs.
        text = "".join(c.text for c in item.content)
        return EasyInputMessageParam(type="message", role="assistant", content=text)

    async def hidden_context_to_input(self, item: HiddenContextItem) -> TResponseInputItem | None:
        content: Any = item.content
        text = content if isinstance(content, str) else orjson.dumps(content, default=str).decode()
        return Message(
            type="message",
            role="user",
            content=[ResponseInputTextParam(type="input_text", text=f"<HiddenContext>\n{text}\n</HiddenContext>")],
        )


def user_text(item: UserMessageItem | None) -> str:
    """The words of a user message (its text and tag parts), or "" for none."""
    if item is None:
        return ""
    return " ".join(p.text for p in item.content if hasattr(p, "text")).strip()


def split_latest(items: list[ThreadItem]) -> tuple[list[ThreadItem], UserMessageItem | None]:
    """The items before the latest user message, and that message."""
    for index in range(len(items) - 1, -1, -1):
        item = items[index]
        if isinstance(item, UserMessageItem):
            return items[:index], item
    return items, None
