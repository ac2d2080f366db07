"""The baseline of the runtime benchmarks: a minimal ``openai-chatkit`` server on a naive in-memory store.

This is what the openai-chatkit documentation builds: a ``ChatKitServer`` subclass whose ``respond`` streams
an assistant message, served by FastAPI's ``POST /chatkit`` handler. Its model answers instantly with the
same words, and the same events, as chatkit-host's offline responder, so both servers do the same protocol
work and differ only in their implementation (and in chatkit-host's durable store, auth and enforcement).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

from chatkit.server import ChatKitServer, StreamingResult
from chatkit.store import NotFoundError, Store
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    Attachment,
    Page,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    UserMessageItem,
)
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse

from chatkit_host.server.workflows.history import user_text
from chatkit_host.server.workflows.offline import INTRO

Context = dict[str, Any]


class MemoryStore(Store[Context]):
    """Dicts and lists, no persistence: the cheapest store the protocol allows."""

    def __init__(self) -> None:
        self.threads: dict[str, ThreadMetadata] = {}
        self.items: dict[str, list[ThreadItem]] = {}
        self.attachments: dict[str, Attachment] = {}

    async def load_thread(self, thread_id: str, context: Context) -> ThreadMetadata:
        if thread_id not in self.threads:
            raise NotFoundError(f"Thread {thread_id} not found")
        return self.threads[thread_id]

    async def save_thread(self, thread: ThreadMetadata, context: Context) -> None:
        self.threads[thread.id] = ThreadMetadata(**thread.model_dump(exclude={"items"}))
        self.items.setdefault(thread.id, [])

    async def load_thread_items(
        self, thread_id: str, after: str | None, limit: int, order: str, context: Context
    ) -> Page[ThreadItem]:
        items = list(self.items.get(thread_id, []))
        if order == "desc":
            items.reverse()
        start = 0
        if after is not None:
            start = next((n + 1 for n, item in enumerate(items) if item.id == after), len(items))
        page = items[start : start + limit]
        has_more = start + limit < len(items)
        return Page(data=page, has_more=has_more, after=page[-1].id if has_more and page else None)

    async def save_attachment(self, attachment: Attachment, context: Context) -> None:
        self.attachments[attachment.id] = attachment

    async def load_attachment(self, attachment_id: str, context: Context) -> Attachment:
        return self.attachments[attachment_id]

    async def delete_attachment(self, attachment_id: str, context: Context) -> None:
        self.attachments.pop(attachment_id, None)

    async def load_threads(self, limit: int, after: str | None, order: str, context: Context) -> Page[ThreadMetadata]:
        threads = sorted(self.threads.values(), key=lambda t: t.created_at, reverse=order == "desc")
        start = 0
        if after is not None:
            start = next((n + 1 for n, t in enumerate(threads) if t.id == after), len(threads))
        page = threads[start : start + limit]
        has_more = start + limit < len(threads)
        return Page(data=page, has_more=has_more, after=page[-1].id if has_more and page else None)

    async def add_thread_item(self, thread_id: str, item: ThreadItem, context: Context) -> None:
        self.items.setdefault(thread_id, []).append(item)

    async def save_item(self, thread_id: str, item: ThreadItem, context: Context) -> None:
        items = self.items.setdefault(thread_id, [])
        for n, existing in enumerate(items):
            if existing.id == item.id:
                items[n] = item
                return
        items.append(item)

    async def load_item(self, thread_id: str, item_id: str, context: Context) -> ThreadItem:
        for item in self.items.get(thread_id, []):
            if item.id == item_id:
                return item
        raise NotFoundError(f"Item {item_id} not found")

    async def delete_thread(self, thread_id: str, context: Context) -> None:
        self.threads.pop(thread_id, None)
        self.items.pop(thread_id, None)

    async def delete_thread_item(self, thread_id: str, item_id: str, context: Context) -> None:
        self.items[thread_id] = [i for i in self.items.get(thread_id, []) if i.id != item_id]


def words(said: str, repeat: int) -> list[str]:
    """The offline responder's words for the same input (see chatkit_host.server.workflows.offline)."""
    said = said or "(nothing)"
    result = [*INTRO.split(" "), "You", "said:", *said.split()]
    for _ in range(repeat - 1):
        result += said.split() or ["(nothing)"]
    return result


class InstantServer(ChatKitServer[Context]):
    def __init__(self, store: MemoryStore, repeat: int) -> None:
        super().__init__(store)
        self.repeat = repeat

    async def respond(
        self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: Context
    ) -> AsyncIterator[ThreadStreamEvent]:
        item_id = self.store.generate_item_id("message", thread, context)
        created = datetime.now()
        yield ThreadItemAddedEvent(
            item=AssistantMessageItem(id=item_id, thread_id=thread.id, created_at=created, content=[])
        )
        yield ThreadItemUpdatedEvent(
            item_id=item_id,
            update=AssistantMessageContentPartAdded(content_index=0, content=AssistantMessageContent(text="")),
        )
        parts = []
        for index, word in enumerate(words(user_text(input_user_message), self.repeat)):
            delta = word if index == 0 else " " + word
            parts.append(delta)
            yield ThreadItemUpdatedEvent(
                item_id=item_id, update=AssistantMessageContentPartTextDelta(content_index=0, delta=delta)
            )
        content = AssistantMessageContent(text="".join(parts))
        yield ThreadItemUpdatedEvent(
            item_id=item_id, update=AssistantMessageContentPartDone(content_index=0, content=content)
        )
        yield ThreadItemDoneEvent(
            item=AssistantMessageItem(id=item_id, thread_id=thread.id, created_at=created, content=[content])
        )


def create_baseline_app(repeat: int = 1) -> FastAPI:
    """The FastAPI wiring from the openai-chatkit quickstart."""
    server = InstantServer(MemoryStore(), repeat)
    app = FastAPI()

    @app.post("/chatkit")
    async def chatkit(request: Request) -> Response:
        result = await server.process(await request.body(), {})
        if isinstance(result, StreamingResult):
            return StreamingResponse(result, media_type="text/event-stream")
        return Response(content=result.json, media_type="application/json")

    return app
