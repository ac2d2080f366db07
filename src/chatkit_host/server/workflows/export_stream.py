"""Streaming the reply of an Agent Builder export that only calls ``Runner.run`` (not streamed) itself.

The export's agents hold our ``HostModel`` (bound at compile time), so every model call the export makes
comes through us. During an export's run the engine puts a :class:`LiveReply` on the run's scope; the model
wrapper then answers the SDK's ``get_response`` by streaming (``stream_response``, the same request with
``stream: true``), hands each event to the live reply as it arrives and builds the ``ModelResponse`` the
Runner expects from the final event, as the SDK's own streamed runs do. Agent hooks add one progress task
per agent run and per tool call. The engine turns both into ChatKit events while ``run_workflow`` runs.
Only calls whose output is plain text stream: a structured output (a triage step's JSON) is not chat text.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

from agents import AgentHooks, AgentOutputSchemaBase, ModelResponse, RunContextWrapper, Tool, Usage
from agents.exceptions import ModelBehaviorError
from openai.types.responses import ResponseCompletedEvent, ResponseOutputItemDoneEvent, ResponseStreamEvent

from chatkit_host.server.workflows.run_context import current_run

#: Stream events that end a response without a result (the SDK's streamed runs fail on them too).
_FAILURES = frozenset({"response.incomplete", "response.failed", "error", "response.error"})


@dataclass(frozen=True)
class Step:
    """A progress step of the export: an agent run or a tool call starting or ending."""

    kind: Literal["agent", "tool"]
    name: str
    done: bool


class LiveReply:
    """What the export's run produced so far, in order, for the engine to forward while the run goes on."""

    def __init__(self) -> None:
        self._queue: asyncio.Queue[ResponseStreamEvent | Step | None] = asyncio.Queue()

    def put(self, item: ResponseStreamEvent | Step) -> None:
        self._queue.put_nowait(item)

    def close(self) -> None:
        """No more items (the run ended, however it ended)."""
        self._queue.put_nowait(None)

    async def items(self) -> AsyncIterator[ResponseStreamEvent | Step]:
        while (item := await self._queue.get()) is not None:
            yield item


def streams_text(output_schema: AgentOutputSchemaBase | None) -> bool:
    return output_schema is None or output_schema.is_plain_text()


async def collect_response(events: AsyncIterator[ResponseStreamEvent], live: LiveReply) -> ModelResponse:
    """Forward a model stream to ``live`` and return the ``ModelResponse`` it amounts to."""
    completed = None
    items: list[Any] = []
    async for event in events:
        live.put(event)
        if isinstance(event, ResponseCompletedEvent):
            completed = event.response
        elif isinstance(event, ResponseOutputItemDoneEvent):
            items.append(event.item)
        elif event.type in _FAILURES:
            raise ModelBehaviorError(f"The model stream ended with {event.type}.")
    if completed is None:
        raise ModelBehaviorError("Model did not produce a final response!")
    usage = completed.usage
    return ModelResponse(
        # Some backends report the items only as they finish, not again in the final response.
        output=list(completed.output) or items,
        usage=Usage(
            requests=1,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            total_tokens=usage.total_tokens,
            input_tokens_details=usage.input_tokens_details,
            output_tokens_details=usage.output_tokens_details,
        )
        if usage is not None
        else Usage(requests=1),
        response_id=completed.id,
    )


def _live() -> LiveReply | None:
    run = current_run()
    return run.live if run is not None else None


class ProgressHooks(AgentHooks[Any]):
    """Reports the agent runs and tool calls of an export's agents to the turn's live reply, if any."""

    async def on_start(self, context: Any, agent: Any) -> None:
        if (live := _live()) is not None:
            live.put(Step("agent", agent.name, done=False))

    async def on_end(self, context: Any, agent: Any, output: Any) -> None:
        if (live := _live()) is not None:
            live.put(Step("agent", agent.name, done=True))

    async def on_tool_start(self, context: RunContextWrapper[Any], agent: Any, tool: Tool) -> None:
        if (live := _live()) is not None:
            live.put(Step("tool", tool.name, done=False))

    async def on_tool_end(self, context: RunContextWrapper[Any], agent: Any, tool: Tool, result: Any) -> None:
        if (live := _live()) is not None:
            live.put(Step("tool", tool.name, done=True))
