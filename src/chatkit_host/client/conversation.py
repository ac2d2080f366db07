"""Talk to a workflow through the runtime (``POST /chatkit``) with a session's client secret.

``client.chatkit.conversation(secret)`` gives a :class:`Conversation` (or :class:`AsyncConversation`): the
first ``send`` creates a thread, later ones add to it. ``send`` yields the typed stream events of
``openai-chatkit`` (``chatkit.types.ThreadStreamEvent``); ``stream_text`` yields only the assistant's
text as it arrives, and ``ask`` returns it whole. An ``error`` event in the stream raises
:class:`StreamError`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

from chatkit.types import (
    AssistantMessageItem,
    ErrorEvent,
    InferenceOptions,
    ThreadAddUserMessageParams,
    ThreadCreatedEvent,
    ThreadCreateParams,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadStreamEvent,
    UserMessageInput,
    UserMessageTextContent,
)
from pydantic import TypeAdapter

from chatkit_host.client._base import Call
from chatkit_host.client._sse import SSEDecoder
from chatkit_host.client.errors import StreamError

if TYPE_CHECKING:
    from chatkit_host.client.resources._ops import AsyncStreamRunner, SyncStreamRunner

RUNTIME_PATH = "/chatkit"
_EVENTS: TypeAdapter[ThreadStreamEvent] = TypeAdapter(ThreadStreamEvent)


class _Turn:
    """The I/O-free part of one turn: decode events and follow the thread id; an error event raises."""

    def __init__(self, conversation: _ConversationBase) -> None:
        self._conversation = conversation
        self._decoder = SSEDecoder()

    def feed(self, chunk: bytes) -> list[ThreadStreamEvent]:
        return [self._event(payload) for payload in self._decoder.feed(chunk)]

    def close(self) -> list[ThreadStreamEvent]:
        return [self._event(payload) for payload in self._decoder.close()]

    def _event(self, payload: str) -> ThreadStreamEvent:
        event = _EVENTS.validate_json(payload)
        if isinstance(event, ThreadCreatedEvent):
            self._conversation.thread_id = event.thread.id
        elif isinstance(event, ErrorEvent):
            raise StreamError(event.message or event.code, code=event.code, allow_retry=event.allow_retry)
        return event


class _TextPicker:
    """Picks the assistant's text out of events: deltas, or a whole message that arrived without deltas."""

    def __init__(self) -> None:
        self._streamed_items: set[str] = set()

    def __call__(self, event: ThreadStreamEvent) -> str | None:
        if (
            isinstance(event, ThreadItemUpdatedEvent)
            and event.update.type == "assistant_message.content_part.text_delta"
        ):
            self._streamed_items.add(event.item_id)
            return event.update.delta
        if (
            isinstance(event, ThreadItemDoneEvent)
            and isinstance(event.item, AssistantMessageItem)
            and event.item.id not in self._streamed_items
        ):
            return "".join(part.text for part in event.item.content)
        return None


class _ConversationBase:
    def __init__(self, client_secret: str, thread_id: str | None, model: str | None) -> None:
        self.client_secret = client_secret
        #: The thread this conversation writes to; set by the first ``send`` when it starts a new one.
        self.thread_id = thread_id
        self.model = model

    def _call(self, text: str, model: str | None) -> Call[Any]:
        user_input = UserMessageInput(
            content=[UserMessageTextContent(text=text)],
            attachments=[],
            inference_options=InferenceOptions(model=model or self.model),
        )
        request: ThreadsCreateReq | ThreadsAddUserMessageReq
        if self.thread_id is None:
            request = ThreadsCreateReq(params=ThreadCreateParams(input=user_input))
        else:
            request = ThreadsAddUserMessageReq(
                params=ThreadAddUserMessageParams(input=user_input, thread_id=self.thread_id)
            )
        return Call(
            "POST",
            RUNTIME_PATH,
            lambda body: body,
            json=request.model_dump(mode="json", exclude_none=True),
            headers={"Authorization": f"Bearer {self.client_secret}", "Accept": "text/event-stream"},
        )


class Conversation(_ConversationBase):
    """A conversation on the sync client."""

    def __init__(
        self, client: SyncStreamRunner, client_secret: str, *, thread_id: str | None = None, model: str | None = None
    ) -> None:
        super().__init__(client_secret, thread_id, model)
        self._client = client

    def send(self, text: str, *, model: str | None = None) -> Iterator[ThreadStreamEvent]:
        """Send a user message; yields the reply's stream events as they arrive."""
        turn = _Turn(self)
        response = self._client.open_stream(self._call(text, model))
        try:
            for chunk in response.iter_bytes():
                yield from turn.feed(chunk)
            yield from turn.close()
        finally:
            response.close()

    def stream_text(self, text: str, *, model: str | None = None) -> Iterator[str]:
        """Send a user message; yields the assistant's reply text piece by piece."""
        pick = _TextPicker()
        for event in self.send(text, model=model):
            if (piece := pick(event)) is not None:
                yield piece

    def ask(self, text: str, *, model: str | None = None) -> str:
        """Send a user message and return the assistant's whole reply."""
        return "".join(self.stream_text(text, model=model))


class AsyncConversation(_ConversationBase):
    """A conversation on the async client."""

    def __init__(
        self, client: AsyncStreamRunner, client_secret: str, *, thread_id: str | None = None, model: str | None = None
    ) -> None:
        super().__init__(client_secret, thread_id, model)
        self._client = client

    async def send(self, text: str, *, model: str | None = None) -> AsyncIterator[ThreadStreamEvent]:
        """Send a user message; yields the reply's stream events as they arrive."""
        turn = _Turn(self)
        response = await self._client.open_stream(self._call(text, model))
        try:
            async for chunk in response.aiter_bytes():
                for event in turn.feed(chunk):
                    yield event
            for event in turn.close():
                yield event
        finally:
            await response.aclose()

    async def stream_text(self, text: str, *, model: str | None = None) -> AsyncIterator[str]:
        """Send a user message; yields the assistant's reply text piece by piece."""
        pick = _TextPicker()
        async for event in self.send(text, model=model):
            if (piece := pick(event)) is not None:
                yield piece

    async def ask(self, text: str, *, model: str | None = None) -> str:
        """Send a user message and return the assistant's whole reply."""
        return "".join([piece async for piece in self.stream_text(text, model=model)])
