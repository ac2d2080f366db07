"""The fast path: a turn whose agent can only answer in text is one model call, made without ``Runner``.

For an agent with no tools, handoffs, guardrails, MCP servers, hooks, structured output or runner-managed
retries and timeouts, the Agents SDK's run loop does nothing but call the agent's model once and relay its
stream, yet it costs a few milliseconds of CPU per turn (run state, agent identity maps, turn and task
bookkeeping; see ``bench/RESULTS.md``). :class:`SingleCall` makes that one call through the same SDK model
layer (``Model.stream_response``, so Chat Completions vs Responses, model settings and input conversion stay
the SDK's) with the same system prompt, input, settings and spans the Runner would use. Whether a compiled
workflow qualifies is decided once, when it is compiled (:func:`plan_single_call`).
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

from agents import (
    Agent,
    ItemHelpers,
    ModelBehaviorError,
    ModelSettings,
    RunConfig,
    RunContextWrapper,
    TResponseInputItem,
)
from agents.models.interface import ModelTracing
from agents.tracing import Span, SpanError, agent_span, trace
from openai.types.responses import ResponseCompletedEvent, ResponseFunctionToolCall, ResponseStreamEvent

from chatkit_host.server.workflows.models import HostModel
from chatkit_host.server.workflows.run_context import RunScope

#: How this module calls each borrowed SDK helper: the number of positional arguments and the keywords.
CallShape = tuple[Callable[..., Any], int, tuple[str, ...]]


def calls_fit(shapes: list[CallShape]) -> bool:
    """Whether every helper still accepts the call we make to it (``inspect.signature(...).bind``).

    A helper that moved fails the import below; one that changed its parameters would otherwise raise
    ``TypeError`` on every text-only turn. Checked once at import; any misfit sends every turn to the Runner.
    """
    for function, positional, keywords in shapes:
        try:
            inspect.signature(function).bind(*([None] * positional), **dict.fromkeys(keywords))
        except (TypeError, ValueError):
            return False
    return True


try:
    # The SDK's own helpers for the steps the Runner takes around a model call, so that both paths behave
    # alike. They are internal to the SDK: if a release moves them or changes how they are called, every
    # turn takes the Runner path (slower by a few ms, see bench/RESULTS.md, but correct). pyproject.toml
    # therefore sets no upper bound on openai-agents (see the comment there).
    from agents.models._response_terminal import (
        response_error_event_failure_error,
        response_terminal_failure_error,
    )
    from agents.run_internal.error_handlers import attach_generic_agent_error
    from agents.run_internal.items import deduplicate_input_items_preferring_latest, prepare_model_input_items
    from agents.run_internal.turn_preparation import get_model_settings
    from agents.tracing.model_tracing import get_model_tracing_impl

    SDK_INTERNALS_FOUND = calls_fit(
        [
            (response_error_event_failure_error, 2, ()),
            (response_terminal_failure_error, 2, ()),
            (attach_generic_agent_error, 2, ("trace_include_sensitive_data",)),
            (deduplicate_input_items_preferring_latest, 1, ()),
            (prepare_model_input_items, 1, ()),
            (get_model_settings, 2, ()),
            (get_model_tracing_impl, 2, ()),
        ]
    )
except ImportError:  # pragma: no cover - depends on the installed SDK release
    SDK_INTERNALS_FOUND = False

#: Run-level model settings of every workflow run (Chat Completions streams report usage only when asked to).
RUN_MODEL_SETTINGS = ModelSettings(include_usage=True)

_TERMINAL_FAILURES = frozenset({"response.incomplete", "response.failed"})
_ERROR_EVENTS = frozenset({"error", "response.error"})
_END = object()


def plan_single_call(agent: Agent[Any]) -> SingleCall | None:
    """The fast path for a workflow starting at ``agent``, or None when its turns need the Runner."""
    if not SDK_INTERNALS_FOUND:
        return None
    if type(agent) is not Agent:  # a subclass may override what the Runner calls
        return None
    if (
        agent.tools
        or agent.handoffs
        or agent.mcp_servers
        or agent.input_guardrails
        or agent.output_guardrails
        or agent.hooks is not None
        or agent.output_type not in (None, str)
        or not isinstance(agent.model, HostModel)
    ):
        return None
    config = RunConfig(model_settings=RUN_MODEL_SETTINGS)
    # The SDK's own resolution, which the Runner repeats per turn (it depends only on the agent and config).
    settings = get_model_settings(agent, config)
    if settings.retry is not None or settings.timeout is not None:
        return None  # the Runner implements these around the model call
    sensitive = config.trace_include_sensitive_data
    return SingleCall(agent, agent.model, settings, get_model_tracing_impl(False, sensitive), sensitive)


@dataclass(frozen=True)
class SingleCall:
    agent: Agent[Any]
    model: HostModel
    model_settings: ModelSettings
    #: What the model layer is told when the session's tracing is on.
    tracing: ModelTracing
    #: Whether errors on spans may quote the exception (the SDK's ``trace_include_sensitive_data``).
    sensitive: bool

    async def stream(
        self,
        model_input: list[TResponseInputItem],
        scope: RunScope,
        workflow_name: str,
        group_id: str,
        context: contextvars.Context,
    ) -> AsyncIterator[ResponseStreamEvent]:
        """The model's stream events, produced by a task started in the run's ``context`` (as the Runner's
        is), so the model wrapper, templated instructions and SDK spans all see the run."""
        queue: asyncio.Queue[Any] = asyncio.Queue()
        produce = self._produce(model_input, scope, workflow_name, group_id, queue)
        task = asyncio.get_running_loop().create_task(produce, context=context)
        try:
            while (event := await queue.get()) is not _END:
                yield event
            await task  # re-raises what ended the call
        finally:
            if not task.done():
                task.cancel()

    async def _produce(
        self,
        model_input: list[TResponseInputItem],
        scope: RunScope,
        workflow_name: str,
        group_id: str,
        queue: asyncio.Queue[Any],
    ) -> None:
        try:
            if scope.recorder is None:
                await self._call(model_input, scope, ModelTracing.DISABLED, None, queue)
                return
            # What the Runner opens that our trace processor stores: a trace and the agent's span.
            with (
                trace(workflow_name, group_id=group_id),
                agent_span(name=self.agent.name, handoffs=[], tools=[], output_type="str") as span,
            ):
                try:
                    await self._call(model_input, scope, self.tracing, span, queue)
                except Exception as exc:
                    attach_generic_agent_error(span, exc, trace_include_sensitive_data=self.sensitive)
                    raise
        finally:
            queue.put_nowait(_END)

    async def _call(
        self,
        model_input: list[TResponseInputItem],
        scope: RunScope,
        tracing: ModelTracing,
        span: Span[Any] | None,
        queue: asyncio.Queue[Any],
    ) -> None:
        agent = self.agent
        context: RunContextWrapper[Any] = RunContextWrapper(context=scope)
        instructions = await agent.get_system_prompt(context)
        prompt = await agent.get_prompt(context)
        # The Runner's preparation of caller input: internal metadata stripped, repeated item ids collapsed.
        items = prepare_model_input_items(ItemHelpers.input_to_new_input_list(model_input))
        completed = None
        async for event in self.model.stream_response(
            instructions,
            deduplicate_input_items_preferring_latest(items),
            self.model_settings,
            [],
            None,
            [],
            tracing,
            previous_response_id=None,
            conversation_id=None,
            prompt=prompt,
        ):
            queue.put_nowait(event)
            kind = event.type
            if isinstance(event, ResponseCompletedEvent):
                completed = event.response
            elif kind in _TERMINAL_FAILURES:
                raise response_terminal_failure_error(kind, getattr(event, "response", None))
            elif kind in _ERROR_EVENTS:
                raise response_error_event_failure_error(kind, event)
        if completed is None:
            raise ModelBehaviorError("Model did not produce a final response!")
        for item in completed.output:
            # The agent offered no tools; the Runner fails a call to one the same way.
            if isinstance(item, ResponseFunctionToolCall):
                if span is not None:
                    span.set_error(SpanError(message="Tool not found", data={"tool_name": item.name}))
                raise ModelBehaviorError(f"Tool {item.name} not found in agent {agent.name}")
