"""The workflow engine: a ``Responder`` that runs a session's workflow version for each turn.

Each run gets a :class:`RunScope` in a copied context (see ``scope.py``); the Agents SDK run, or an
exported ``run_workflow``, executes in a task started inside that context, so our model wrapper and trace
processor find the scope without any parameter passing. A workflow whose starting agent can only answer in
text skips the SDK's ``Runner`` for one direct model call (``single_call.py``). After the run its trace
(when tracing is on) and its token usage are handed to the background writer (``writer.py``). Thread titles
are not a turn's business: ``title`` hands them to ``titles.py``.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import logging
import time
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import openai
from agents import InputGuardrailTripwireTriggered, RunConfig, Runner
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    CustomTask,
    ErrorEvent,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadStreamEvent,
    WidgetItem,
)
from openai.types.responses import ResponseStreamEvent
from pydantic import ValidationError

from chatkit_host.server import ids
from chatkit_host.server.errors import HTTPError
from chatkit_host.server.turn import Responder, Turn
from chatkit_host.server.workflows.attachment_input import AttachmentInputs
from chatkit_host.server.workflows.builtin_tools import new_widget_item_factory
from chatkit_host.server.workflows.definition import KIND_EXPORT, CompiledWorkflow
from chatkit_host.server.workflows.events import EventMapper
from chatkit_host.server.workflows.export_stream import LiveReply, Step
from chatkit_host.server.workflows.history import HistoryConverter, split_latest, to_model_input, user_text
from chatkit_host.server.workflows.mcp_servers import Recovering, find_unavailable
from chatkit_host.server.workflows.models import ResponsesUnavailable
from chatkit_host.server.workflows.outcome import (
    GUARDRAIL_TRIPPED,
    export_answer,
    guardrail_message,
    refused_attachments,
)
from chatkit_host.server.workflows.records import TraceRecord
from chatkit_host.server.workflows.registry import DEFAULT_WORKFLOW_ID, WorkflowRegistry
from chatkit_host.server.workflows.run_context import CURRENT_RUN, RunScope
from chatkit_host.server.workflows.single_call import RUN_MODEL_SETTINGS
from chatkit_host.server.workflows.state import merge_defaults
from chatkit_host.server.workflows.titles import Titler
from chatkit_host.server.workflows.tracing import RunRecorder
from chatkit_host.server.workflows.usage import turn_usage
from chatkit_host.server.workflows.writer import RunWriter

logger = logging.getLogger(__name__)


def failure_message(exc: Exception) -> str:
    """What a user reads when a turn fails: what happened, in words, without internals."""
    if isinstance(exc, (openai.APIConnectionError, openai.APITimeoutError)):
        return "The assistant could not reach its model provider; please try again."
    if isinstance(exc, openai.RateLimitError):
        return "The model provider is busy (rate limited); please try again in a moment."
    if isinstance(exc, openai.APIStatusError):
        return f"The model provider answered with an error (HTTP {exc.status_code}); please try again."
    return "Something went wrong while the assistant was answering; please try again."


class WorkflowEngine:
    """Implements ``chatkit_host.server.turn.Responder`` on top of the registry and the Agents SDK."""

    def __init__(
        self,
        registry: WorkflowRegistry,
        writer: RunWriter,
        offline: Responder | None = None,
        inputs: AttachmentInputs | None = None,
    ) -> None:
        self.registry = registry
        self.writer = writer
        self.titler = Titler(registry, writer)
        #: Reads attachments for model input; without it (an engine built without storage) the model gets a
        #: line naming each attachment.
        self.inputs = inputs
        #: Answers the built-in workflow when no provider is configured (the runtime's echoing stand-in).
        self.offline = offline
        self._mcp_lock = asyncio.Lock()
        # Built once and copied per turn: RunConfig.__post_init__ checks model_settings against the field's
        # annotation with typing.get_type_hints, about 1 ms of CPU per turn.
        self._base_config = RunConfig(model_settings=RUN_MODEL_SETTINGS)

    def _offline_default(self, turn: Turn) -> Responder | None:
        router = self.registry.router
        if turn.session.workflow_id == DEFAULT_WORKFLOW_ID and router is not None and router.offline:
            # The echoing stand-in reads only words: a message with files goes to the offline model, which says
            # what it received (names, sizes, a text file's first line).
            if turn.input is not None and turn.input.attachments and self.inputs is not None:
                return None
            return self.offline
        return None

    async def _converter(
        self, turn: Turn, items: list[ThreadItem], compiled: CompiledWorkflow, scope: RunScope
    ) -> HistoryConverter:
        """A converter for this turn's items, its attachments planned within the workflow's budget."""
        if self.inputs is None:
            return HistoryConverter()
        parts = await self.inputs.plan(items, compiled.attachments)
        scope.attachment_parts = parts
        return HistoryConverter(parts)

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        session = turn.session
        try:
            version, compiled = await self.registry.load(session.workflow_id, session.workflow_version)
        except HTTPError as exc:
            yield ErrorEvent(code="custom", message=exc.message, allow_retry=False)
            return
        requested = turn.input.inference_options.model if turn.input and turn.input.inference_options else None
        if requested and requested not in compiled.models:
            allowed = ", ".join(compiled.models) or "none"
            message = f"Model '{requested}' is not allowed for this workflow; allowed models: {allowed}."
            yield ErrorEvent(code="custom", message=message, allow_retry=False)
            return
        name = f"{session.workflow_id} v{version}"
        declared = compiled.state or {}
        state = merge_defaults(declared, session.state_variables)
        try:
            state_object = compiled.state_type().model_validate(state)
        except ValidationError:
            # Values checked against an older version's declaration: hand them over as they are.
            state_object = compiled.state_type().model_construct(**state)
        scope = RunScope(
            state=state,
            state_object=state_object,
            recorder=RunRecorder(ids.new_id(ids.TRACE), name) if session.tracing_enabled else None,
            model_override=requested or None,
            new_widget_item=new_widget_item_factory(turn.thread.id, turn.new_item_id),
        )
        context = contextvars.copy_context()
        context.run(CURRENT_RUN.set, scope)
        mapper = EventMapper(turn.thread.id, turn.new_item_id, compiled.client_tools)
        status, error = "completed", None
        self.titler.forget(turn.thread.id)
        try:
            fallback = self._offline_default(turn)
            if fallback is not None:
                source = fallback.respond(turn)
            elif compiled.kind == KIND_EXPORT:
                source = self._run_export(turn, compiled, scope, context, mapper)
            else:
                source = self._run_agents(turn, compiled, scope, context, mapper, name)
            async for event in source:
                yield event
            if scope.client_tool is not None:
                request = scope.client_tool
                yield ThreadItemDoneEvent(
                    item=ClientToolCallItem(
                        id=turn.new_item_id("tool_call"),
                        thread_id=turn.thread.id,
                        created_at=datetime.now(),
                        status="pending",
                        call_id=request.call_id or ids.new_id("call"),
                        name=request.name,
                        arguments=request.arguments,
                    )
                )
        except GUARDRAIL_TRIPPED as exc:
            # The reply so far is taken back and the guardrail's message said instead (the run has already
            # stopped: its generator's cleanup ran as the exception left it).
            status = "guardrail"
            if isinstance(exc, InputGuardrailTripwireTriggered):
                self.titler.refused(turn.thread.id)
            # Also a message still streaming: the SDK can raise before the message's own "done" reached us (it
            # does when saving the streamed text slows the consumer), and what it said must not stay.
            unfinished = [mapper.message_id] if mapper.message_id else []
            for item_id in [*mapper.produced, *unfinished]:
                yield ThreadItemRemovedEvent(item_id=item_id)
            yield self._message(turn, guardrail_message(exc))
        except (asyncio.CancelledError, GeneratorExit):
            status = "cancelled"
            raise
        except Exception as exc:
            status, error = "error", f"{type(exc).__name__}: {exc}"
            unavailable = find_unavailable(exc)
            if isinstance(exc, ResponsesUnavailable):
                logger.warning("workflow %s: %s", name, exc)
                message = str(exc)
            elif (refused := refused_attachments(exc, scope)) is not None:
                logger.warning("workflow %s: the model refused the attachments: %s", name, exc)
                message = refused
            elif unavailable is not None:
                # Our own message, naming only the server; the next turn tries to reconnect.
                logger.warning("workflow %s: %s", name, unavailable)
                message = str(unavailable)
            else:
                logger.exception("workflow %s failed", name)
                # Provider errors can quote credentials or internals: the user reads what happened in words
                # (never an exception class name), the trace and the log the rest.
                message = failure_message(exc)
            yield ErrorEvent(code="custom", message=message, allow_retry=True)
        finally:
            self._save(turn, scope, session.workflow_id, version, name, status, error)

    async def _run_agents(
        self,
        turn: Turn,
        compiled: CompiledWorkflow,
        scope: RunScope,
        context: contextvars.Context,
        mapper: EventMapper,
        name: str,
    ) -> AsyncIterator[ThreadStreamEvent]:
        assert compiled.start is not None
        items = await turn.load_history(compiled.history_max_tokens)
        converter = await self._converter(turn, items, compiled, scope)
        model_input = await to_model_input(converter, items)
        if compiled.single_call is not None:
            async for data in compiled.single_call.stream(model_input, scope, name, turn.thread.id, context):
                for mapped in mapper.map_model_event(data):
                    yield mapped
            return
        await self._connect_mcp(compiled)
        config = copy.copy(self._base_config)
        config.workflow_name = name
        config.group_id = turn.thread.id
        config.tracing_disabled = scope.recorder is None
        # Started inside the run's context: the SDK's background task inherits the scope.
        result = context.run(Runner.run_streamed, compiled.start, model_input, context=scope, run_config=config)
        try:
            async for event in result.stream_events():
                for mapped in mapper.map(event):
                    yield mapped
                for pending in scope.drain_events():
                    yield pending
        finally:
            result.cancel()
        for mapped in mapper.close_workflow():
            yield mapped
        for pending in scope.drain_events():
            yield pending

    async def _run_export(
        self,
        turn: Turn,
        compiled: CompiledWorkflow,
        scope: RunScope,
        context: contextvars.Context,
        mapper: EventMapper,
    ) -> AsyncIterator[ThreadStreamEvent]:
        assert compiled.run_workflow is not None and compiled.workflow_input is not None
        items = await turn.load_history(compiled.history_max_tokens)
        earlier, latest = split_latest(items)
        converter = await self._converter(turn, items, compiled, scope)
        scope.history_prefix = await to_model_input(converter, earlier)
        text = user_text(latest) if latest else ""
        if latest is not None and latest.attachments:
            # The export passes only the text on: the model wrapper adds the rest to its input (models.py).
            first: Any
            first, *_ = await converter.to_agent_input([latest])
            scope.latest_parts = list(first["content"])[1:]
        workflow_input = compiled.workflow_input(input_as_text=text)
        # The export's model calls and agent steps arrive here while it runs (export_stream.py).
        live = scope.live = LiveReply()
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(
            compiled.run_workflow(workflow_input), context=context
        )
        task.add_done_callback(lambda _: live.close())
        try:
            async for item in live.items():
                for mapped in self._map_live(mapper, item):
                    yield mapped
                for pending in scope.drain_events():
                    yield pending
            result = task.result()
        finally:
            if not task.done():
                task.cancel()
        for mapped in mapper.close_workflow():
            yield mapped
        for pending in scope.drain_events():
            yield pending
        final = export_answer(result)
        if final is None:
            # Nothing to say (no End node: no ``return``; a route that returns ``{"category": ...}``): the reply
            # stays exactly as it was streamed, so the thread's history is what the user saw. Taking it back
            # and saying "" left an empty bubble and an empty assistant turn in the next turn's history.
            return
        # The reply is exactly what run_workflow returned, as before streaming: the streamed message that says
        # it stays, every other streamed message (an earlier agent's answer, a preamble before a tool call) is
        # taken back, and when none says it, it is sent as the final message.
        kept = next((item_id for item_id, streamed in reversed(mapper.messages) if streamed == final), None)
        for item_id, _ in mapper.messages:
            if item_id != kept:
                yield ThreadItemRemovedEvent(item_id=item_id)
        if kept is None:
            yield self._message(turn, final)

    @staticmethod
    def _map_live(mapper: EventMapper, item: ResponseStreamEvent | Step) -> Iterator[ThreadStreamEvent]:
        if not isinstance(item, Step):
            yield from mapper.map_model_event(item)
            return
        title = item.name if item.kind == "agent" else f"Calling {item.name}"
        if item.done:
            yield from mapper.complete_task(title)
        else:
            yield from mapper.add_task(CustomTask(title=title, status_indicator="loading"))

    def _message(self, turn: Turn, text: str) -> ThreadItemDoneEvent:
        return ThreadItemDoneEvent(
            item=AssistantMessageItem(
                id=turn.new_item_id("message"),
                thread_id=turn.thread.id,
                created_at=datetime.now(),
                content=[AssistantMessageContent(text=text)],
            )
        )

    async def _connect_mcp(self, compiled: CompiledWorkflow) -> None:
        # Connected once per compiled version and kept: an MCP handshake per turn would dominate the turn. A
        # server whose last reconnect failed is tried again here (bounded, see mcp_servers.py).
        for server in compiled.mcp_servers:
            if isinstance(server, Recovering):
                await server.ensure_connected()
            elif getattr(server, "session", None) is None:
                async with self._mcp_lock:
                    if getattr(server, "session", None) is None:
                        await server.connect()  # type: ignore[no-untyped-call]

    def _save(
        self,
        turn: Turn,
        scope: RunScope,
        workflow_id: str,
        version: str,
        name: str,
        status: str,
        error: str | None,
    ) -> None:
        session = turn.session
        now = time.time()
        trace: TraceRecord | None = None
        spans = []
        if scope.recorder is not None:
            spans = scope.recorder.finish(error)
            trace = TraceRecord(
                id=scope.recorder.trace_id,
                name=name,
                workflow_id=workflow_id,
                workflow_version=version,
                session_id=session.id,
                thread_id=turn.thread.id,
                user=session.user,
                status=status,
                error=error,
                started_at=scope.recorder.started_at,
                ended_at=now,
                input_tokens=scope.input_tokens,
                output_tokens=scope.output_tokens,
            )
        usage = turn_usage(
            turn,
            version,
            requests=scope.requests,
            input_tokens=scope.input_tokens,
            output_tokens=scope.output_tokens,
            now=now,
        )
        self.writer.submit(trace, spans, usage)

    async def action(self, turn: Turn, action: Any, sender: WidgetItem | None) -> AsyncIterator[ThreadStreamEvent]:
        fallback = self._offline_default(turn)
        source = fallback.action(turn, action, sender) if fallback is not None else self.respond(turn)
        # Otherwise an action is answered by a regular run: the runtime records it in the thread's history.
        async for event in source:
            yield event

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return await self.titler.title(turn, user_text, reply_text)
