"""The two offline stand-ins: they need no network and no API key, and say that they are stand-ins.

- :class:`OfflineModel` is an Agents SDK ``Model``. It lets ``serve`` answer on a fresh machine, and lets
  exported workflows with structured ``output_type``s run end to end without a provider: for those it returns
  the smallest value that fits the JSON schema.
- :class:`OfflineResponder` is a runtime ``Responder`` that skips the Agents SDK altogether: it streams a short,
  honest echo word by word, so the whole runtime path (events, persistence, titles, cancellation) works, and the
  runtime benchmarks measure the runtime alone. The built-in ``default`` workflow answers through it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import orjson
from agents import AgentOutputSchemaBase, Handoff, ModelResponse, ModelSettings, Tool, TResponseInputItem, Usage
from agents.models.interface import Model, ModelTracing
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
    WidgetItem,
)
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)
from openai.types.responses.response_usage import InputTokensDetails, OutputTokensDetails

from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.history import user_text

OFFLINE_MODEL = "offline"
#: How every offline reply starts, from both stand-ins (one wording, F22); then ``You said: <the message>``.
INTRO = (
    "[offline stand-in model] No language model is configured on this server, so this is an echo, not a real "
    "answer; set OPENAI_API_KEY or CHATKIT_HOST_OPENAI_BASE_URL for real replies."
)


def echo_reply(said: str) -> str:
    """The offline reply to ``said`` (whitespace collapsed, as the responder streams it word by word)."""
    return f"{INTRO} You said: {' '.join(said.split()) or '(nothing)'}"


def _latest_user_content(input: str | list[TResponseInputItem]) -> list[dict[str, Any]]:
    """The content parts of the latest user message that carries words or files."""
    if isinstance(input, str):
        return [{"type": "input_text", "text": input}]
    for item in reversed(input):
        if isinstance(item, dict) and item.get("role") == "user":
            content: Any = item.get("content")
            if isinstance(content, str):
                return [{"type": "input_text", "text": content}]
            if isinstance(content, list):
                return [p for p in content if isinstance(p, dict)]
    return []


def _said_and_received(input: str | list[TResponseInputItem]) -> tuple[str, list[str]]:
    """The user's words, and one description per attachment the message carried (see attachment_input.py:
    each is announced by an ``[attachment: ...]`` line, followed by its image or file part, or its text)."""
    words: list[str] = []
    received: list[str] = []
    for part in _latest_user_content(input):
        kind, text = part.get("type"), str(part.get("text", ""))
        if kind == "input_text" and text.startswith("[attachment: "):
            head, _, body = text.partition("\n")
            announced, _, note = head.rpartition("]")  # note: " not sent: why." when it was not
            described = announced.removeprefix("[attachment: ") + note
            if body:
                first = body.splitlines()[0] if body.splitlines() else ""
                described += f' as text, first line: "{first[:80]}"'
            received.append(described)
        elif kind == "input_text":
            words.append(text)
        elif received and kind in ("input_image", "input_file"):
            received[-1] += " as image input" if kind == "input_image" else " as file input"
    return " ".join(words), received


def example_for_schema(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> Any:
    """The smallest value that validates against ``schema`` (enough for strict output schemas)."""
    defs = defs if defs is not None else schema.get("$defs", {})
    if "$ref" in schema:
        return example_for_schema(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return example_for_schema(options[0], defs)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {name: example_for_schema(sub, defs) for name, sub in props.items()}
    if kind == "array":
        return []
    if kind == "integer":
        return int(schema.get("minimum", 0))
    if kind == "number":
        return float(schema.get("minimum", 0))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return "offline"


def _usage(input_text: str, output_text: str) -> ResponseUsage:
    # A rough 4-characters-per-token estimate: the numbers are labelled as the stand-in's own.
    i, o = max(1, len(input_text) // 4), max(1, len(output_text) // 4)
    return ResponseUsage(
        input_tokens=i,
        output_tokens=o,
        total_tokens=i + o,
        input_tokens_details=InputTokensDetails(cached_tokens=0, cache_write_tokens=0),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
    )


class OfflineModel(Model):
    """Answers without a network: a labelled placeholder, or schema-valid JSON for structured output."""

    def __init__(self, requested_model: str | None = None) -> None:
        self.requested_model = requested_model or OFFLINE_MODEL

    def _answer(self, input: str | list[TResponseInputItem], output_schema: AgentOutputSchemaBase | None) -> str:
        if output_schema is not None and not output_schema.is_plain_text():
            value = example_for_schema(output_schema.json_schema())
            return orjson.dumps(value).decode()
        said, received = _said_and_received(input)
        reply = echo_reply(said[:200])
        if received:
            reply += f" It received {len(received)} attachment(s): " + "; ".join(received) + "."
        return reply

    def _response(self, text: str, input: str | list[TResponseInputItem]) -> Response:
        message = ResponseOutputMessage(
            id=f"msg_offline_{time.time_ns()}",
            type="message",
            role="assistant",
            status="completed",
            content=[ResponseOutputText(type="output_text", text=text, annotations=[])],
        )
        return Response(
            id=f"resp_offline_{time.time_ns()}",
            created_at=time.time(),
            model=OFFLINE_MODEL,
            object="response",
            output=[message],
            tool_choice="auto",
            tools=[],
            parallel_tool_calls=False,
            usage=_usage(orjson.dumps(input, default=str).decode() if not isinstance(input, str) else input, text),
        )

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: Any | None,
    ) -> ModelResponse:
        response = self._response(self._answer(input, output_schema), input)
        usage = response.usage
        assert usage is not None
        return ModelResponse(
            output=list(response.output),
            usage=Usage(
                requests=1,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                total_tokens=usage.total_tokens,
            ),
            response_id=None,
        )

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: Any | None,
    ) -> AsyncIterator[ResponseStreamEvent]:
        text = self._answer(input, output_schema)
        final = self._response(text, input)
        message = final.output[0]
        assert isinstance(message, ResponseOutputMessage)
        started = final.model_copy(update={"output": [], "usage": None, "status": "in_progress"})
        empty = message.model_copy(update={"content": [], "status": "in_progress"})
        part = ResponseOutputText(type="output_text", text="", annotations=[])
        seq = iter(range(1_000_000))
        yield ResponseCreatedEvent(type="response.created", response=started, sequence_number=next(seq))
        yield ResponseOutputItemAddedEvent(
            type="response.output_item.added", item=empty, output_index=0, sequence_number=next(seq)
        )
        yield ResponseContentPartAddedEvent(
            type="response.content_part.added",
            item_id=message.id,
            output_index=0,
            content_index=0,
            part=part,
            sequence_number=next(seq),
        )
        words = text.split(" ")
        for n, word in enumerate(words):
            yield ResponseTextDeltaEvent(
                type="response.output_text.delta",
                item_id=message.id,
                output_index=0,
                content_index=0,
                delta=word if n == len(words) - 1 else word + " ",
                logprobs=[],
                sequence_number=next(seq),
            )
        yield ResponseTextDoneEvent(
            type="response.output_text.done",
            item_id=message.id,
            output_index=0,
            content_index=0,
            text=text,
            logprobs=[],
            sequence_number=next(seq),
        )
        yield ResponseContentPartDoneEvent(
            type="response.content_part.done",
            item_id=message.id,
            output_index=0,
            content_index=0,
            part=message.content[0],
            sequence_number=next(seq),
        )
        yield ResponseOutputItemDoneEvent(
            type="response.output_item.done", item=message, output_index=0, sequence_number=next(seq)
        )
        yield ResponseCompletedEvent(type="response.completed", response=final, sequence_number=next(seq))


class OfflineResponder:
    """Echoes the user's words after a one-line notice.

    ``delay`` (seconds between words) and ``repeat`` (how many times the echo is repeated) exist so that
    tests and benchmarks can make the same responder slow or long; the defaults answer instantly.
    """

    def __init__(self, *, delay: float = 0.0, repeat: int = 1) -> None:
        self.delay = delay
        self.repeat = repeat

    def _words(self, turn: Turn) -> list[str]:
        said = user_text(turn.input) or ""
        words = echo_reply(said).split(" ")
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
