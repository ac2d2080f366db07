"""``/v1/chatkit/traces`` (runs and their spans) and ``/v1/chatkit/usage`` (token sums), admin key only."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from chatkit_host.server import ids
from chatkit_host.server.api.paging import Filter, ListParams, check_cursor, list_body
from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import NotFound
from chatkit_host.server.http.endpoints import Args, Endpoint
from chatkit_host.server.workflows.records import SpanRecord, TraceRecord
from chatkit_host.server.workflows.store import WorkflowStore
from chatkit_host.types.common import ListPage
from chatkit_host.types.traces import Trace, UsageGroup, UsageSummary


def _ms(start: float, end: float) -> float:
    return round((end - start) * 1000, 3)


def span_to_rest(span: SpanRecord) -> dict[str, Any]:
    return {
        "id": span.id,
        "object": "chatkit.trace.span",
        "trace_id": span.trace_id,
        "parent_id": span.parent_id,
        "kind": span.kind,
        "name": span.name,
        "started_at": span.started_at,
        "ended_at": span.ended_at,
        "duration_ms": _ms(span.started_at, span.ended_at),
        "model": span.model,
        "input_tokens": span.input_tokens,
        "output_tokens": span.output_tokens,
        "error": span.error,
        "data": span.data,
    }


def trace_to_rest(trace: TraceRecord, spans: list[SpanRecord] | None = None) -> dict[str, Any]:
    return {
        "id": trace.id,
        "object": "chatkit.trace",
        "name": trace.name,
        "workflow": {"id": trace.workflow_id, "version": trace.workflow_version},
        "session_id": trace.session_id,
        "thread_id": trace.thread_id,
        "user": trace.user,
        "status": trace.status,
        "error": trace.error,
        "started_at": trace.started_at,
        "ended_at": trace.ended_at,
        "duration_ms": _ms(trace.started_at, trace.ended_at),
        "usage": {
            "input_tokens": trace.input_tokens,
            "output_tokens": trace.output_tokens,
            "total_tokens": trace.input_tokens + trace.output_tokens,
        },
        "spans": [span_to_rest(s) for s in spans] if spans is not None else None,
    }


async def _store(context: AppContext) -> WorkflowStore:
    """The store, once every run that finished in this process is written."""
    if context.workflows.writer is not None:
        await context.workflows.writer.flush()
    store = context.workflows.store
    assert store is not None
    return store


def _filters(query: dict[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    return {name: query[name] for name in names if query[name] is not None}


class TraceListQuery(ListParams):
    thread_id: Filter = None
    session_id: Filter = None
    workflow_id: Filter = None
    workflow_version: Filter = None
    user: Filter = None


_TRACE_FILTERS = ("thread_id", "session_id", "workflow_id", "workflow_version", "user")


class UsageQuery(BaseModel):
    group_by: Annotated[UsageGroup, Field(description="session, thread, user or workflow_version.")]
    session_id: Filter = None
    thread_id: Filter = None
    user: Filter = None
    workflow_id: Filter = None
    limit: Annotated[int, Field(ge=1, le=1000)] = 100


_USAGE_FILTERS = ("session_id", "thread_id", "user", "workflow_id")


async def list_traces(context: AppContext, args: Args) -> dict[str, Any]:
    query = args.query
    check_cursor(query, ids.TRACE)
    page = await (await _store(context)).list_traces(
        filters=_filters(query, _TRACE_FILTERS),
        after=query["after"],
        before=query["before"],
        limit=query["limit"],
        order=query["order"],
    )
    return list_body([trace_to_rest(t) for t in page.data], page.has_more)


async def retrieve_trace(context: AppContext, args: Args) -> dict[str, Any]:
    trace_id = args.path["trace_id"]
    found = await (await _store(context)).get_trace(trace_id) if ids.is_valid(trace_id, ids.TRACE) else None
    if found is None:
        raise NotFound(f"No trace with id '{trace_id}'.", param="trace_id", code="trace_not_found")
    trace, spans = found
    return trace_to_rest(trace, spans)


def _usage_row(group_by: UsageGroup, row: dict[str, Any]) -> dict[str, Any]:
    key = (
        row["workflow_version"]
        if group_by == "workflow_version"
        else row[f"{group_by}_id" if group_by in ("session", "thread") else "user"]
    )
    return {
        "key": str(key),
        "workflow_id": row.get("workflow_id"),
        "runs": int(row["runs"]),
        "requests": int(row["requests"] or 0),
        "input_tokens": int(row["input_tokens"] or 0),
        "output_tokens": int(row["output_tokens"] or 0),
        "total_tokens": int((row["input_tokens"] or 0) + (row["output_tokens"] or 0)),
    }


async def usage(context: AppContext, args: Args) -> dict[str, Any]:
    query = args.query
    group_by: UsageGroup = query["group_by"]
    rows = await (await _store(context)).usage(group_by, _filters(query, _USAGE_FILTERS), query["limit"])
    return {"object": "chatkit.usage", "group_by": group_by, "data": [_usage_row(group_by, row) for row in rows]}


ENDPOINTS = [
    Endpoint(
        "GET", "/v1/chatkit/traces", list_traces, ListPage[Trace], "List traces of workflow runs.", query=TraceListQuery
    ),
    Endpoint("GET", "/v1/chatkit/traces/{trace_id}", retrieve_trace, Trace, "Retrieve a trace with its spans."),
    Endpoint(
        "GET",
        "/v1/chatkit/usage",
        usage,
        UsageSummary,
        "Token usage summed per session, thread, user or version.",
        query=UsageQuery,
    ),
]
