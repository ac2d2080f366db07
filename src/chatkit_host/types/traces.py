"""Traces of workflow runs, their spans, and token usage (chatkit-host extension; admin only)."""

from __future__ import annotations

from typing import Any, Literal

from chatkit_host.types.common import WireModel

SpanKind = Literal["run", "agent", "model", "tool", "handoff", "guardrail", "mcp", "custom"]
TraceStatus = Literal["completed", "error", "guardrail", "cancelled"]
UsageGroup = Literal["session", "thread", "user", "workflow_version"]
UsageBucket = Literal["hour", "day"]


class TraceSpan(WireModel):
    """One step of a run: the run itself, an agent, a model call, a tool call, a handoff or a guardrail."""

    id: str
    object: Literal["chatkit.trace.span"] = "chatkit.trace.span"
    trace_id: str
    parent_id: str | None = None
    kind: SpanKind
    name: str
    started_at: float
    ended_at: float
    duration_ms: float
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None
    data: dict[str, Any] = {}


class TraceWorkflow(WireModel):
    id: str
    version: str


class TraceUsage(WireModel):
    input_tokens: int
    output_tokens: int
    total_tokens: int


class Trace(WireModel):
    """The ``chatkit.trace`` object: one workflow run; ``spans`` only when retrieved by itself."""

    id: str
    object: Literal["chatkit.trace"] = "chatkit.trace"
    name: str
    workflow: TraceWorkflow
    session_id: str | None = None
    thread_id: str | None = None
    user: str | None = None
    status: TraceStatus
    error: str | None = None
    started_at: float
    ended_at: float
    duration_ms: float
    usage: TraceUsage
    spans: list[TraceSpan] | None = None


class UsageRow(WireModel):
    """Token usage summed over every run of one group key."""

    key: str
    workflow_id: str | None = None
    runs: int
    requests: int
    input_tokens: int
    output_tokens: int
    total_tokens: int


class UsageSummary(WireModel):
    """``GET /v1/chatkit/usage``: usage grouped by ``group_by``."""

    object: Literal["chatkit.usage"] = "chatkit.usage"
    group_by: UsageGroup
    data: list[UsageRow]


class UsagePoint(WireModel):
    """The tokens of one group key in one time bucket (UTC hours or days, ``start`` in Unix seconds)."""

    start: int
    runs: int
    input_tokens: int
    output_tokens: int
    total_tokens: int


class UsageSeriesRow(WireModel):
    """One group key's usage over time: its non-empty buckets, oldest first, and their total."""

    key: str
    workflow_id: str | None = None
    total_tokens: int
    points: list[UsagePoint]


class UsageSeries(WireModel):
    """``GET /v1/chatkit/usage/series``: usage per group key per time bucket since ``since``.

    The keys with the most tokens come first (``limit`` of them; the rest are summed under ``other``).
    ``truncated`` says that more runs than the server reads for one answer fell in the window, so the oldest
    buckets may be short; ask for a later ``since``.
    """

    object: Literal["chatkit.usage.series"] = "chatkit.usage.series"
    group_by: UsageGroup
    bucket: UsageBucket
    since: int
    truncated: bool
    data: list[UsageSeriesRow]
