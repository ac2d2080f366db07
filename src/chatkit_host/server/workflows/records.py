"""Plain records of workflows, versions, traces, spans and usage; no SQL types leak past the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class WorkflowRecord:
    id: str
    name: str | None
    latest_version: int | None
    version_count: int
    archived_at: float | None
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class VersionRecord:
    id: str
    workflow_id: str
    version: int
    format: str
    source: str
    sha256: str
    #: What the compiler learnt from the source: agents, models, declared state variables, kind.
    summary: dict[str, Any]
    created_at: float


@dataclass
class SpanRecord:
    id: str
    trace_id: str
    parent_id: str | None
    kind: str
    name: str
    started_at: float
    ended_at: float
    model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    error: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class TraceRecord:
    id: str
    name: str
    workflow_id: str
    workflow_version: str
    session_id: str | None
    thread_id: str | None
    user: str | None
    status: str
    error: str | None
    started_at: float
    ended_at: float
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class UsageRecord:
    id: str
    session_id: str | None
    thread_id: str | None
    user: str | None
    workflow_id: str
    workflow_version: str
    requests: int
    input_tokens: int
    output_tokens: int
    created_at: float
