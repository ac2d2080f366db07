"""Thread items to Agents SDK input: ``openai-chatkit``'s converter, with the cases it leaves to us.

Attachments become what the model can read (``attachment_input.py``); without the turn's planned parts (a
converter built with none) each is a line naming it.
"""

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
from openai.types.responses import EasyInputMessageParam, ResponseInputContentParam, ResponseInputTextParam
from openai.types.responses.response_input_item_param import Message

from chatkit_host.server.workflows.attachment_input import AttachmentParts, label


class HistoryConverter(ThreadItemConverter):
    """Attachments as model input, tags as text the model can read; hidden context of any shape is passed on."""

    def __init__(self, attachments: AttachmentParts | None = None) -> None:
        self.attachments = attachments
        # The parts of each attachment after its first (the content after the announcing line), by id: the
        # converter's hook returns one part per attachment, ``user_message_to_input`` splices the rest in.
        self._extra: dict[str, list[ResponseInputContentParam]] = {}

    async def attachment_to_message_content(self, attachment: Attachment) -> ResponseInputContentParam:
        if self.attachments is None:
            return ResponseInputTextParam(type="input_text", text=label(attachment.name, attachment.mime_type, None))
        first, *rest = await self.attachments.parts(attachment)
        self._extra[attachment.id] = rest
        return first

    async def user_message_to_input(
        self, item: UserMessageItem, is_last_message: bool = True
    ) -> TResponseInputItem | list[TResponseInputItem] | None:
        converted = await super().user_message_to_input(item, is_last_message)
        if not item.attachments or not isinstance(converted, list) or not converted:
            return converted
        message: Any = converted[0]
        text, *heads = message["content"]
        content: list[ResponseInputContentParam] = [text]
        for attachment, head in zip(item.attachments, heads, strict=True):
            content += [head, *self._extra.pop(attachment.id, [])]
        return [Message(type="message", role="user", content=content), *converted[1:]]

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
