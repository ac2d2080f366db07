"""``/v1/chatkit/traces`` (runs and their spans) and ``/v1/chatkit/usage`` (token sums), admin key only."""

from __future__ import annotations

import time
from collections import defaultdict
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
from chatkit_host.types.traces import Trace, UsageBucket, UsageGroup, UsageSeries, UsageSummary

#: Seconds per usage-series bucket.
_BUCKETS = {"hour": 3600, "day": 86400}
#: Most usage records one series answer reads (newest first): about 10 MB of rows at most, and under 50 ms on
#: SQLite for the console's chart; a busier window says ``truncated``.
MAX_SERIES_RECORDS = 50_000


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
    if context.run_writer is not None:
        await context.run_writer.flush()
    store = context.workflow_store
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


class UsageSeriesQuery(BaseModel):
    group_by: Annotated[UsageGroup, Field(description="session, thread, user or workflow_version.")]
    bucket: Annotated[UsageBucket, Field(description="hour or day (UTC).")] = "day"
    since: Annotated[int | None, Field(ge=0, description="Unix seconds; default 48 buckets ago.")] = None
    session_id: Filter = None
    thread_id: Filter = None
    user: Filter = None
    workflow_id: Filter = None
    limit: Annotated[int, Field(ge=1, le=50)] = 8


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


def _usage_key(group_by: str, row: dict[str, Any]) -> str:
    if group_by == "workflow_version":
        return str(row["workflow_version"])
    return str(row[f"{group_by}_id" if group_by in ("session", "thread") else "user"])


async def usage_series(context: AppContext, args: Args) -> dict[str, Any]:
    query = args.query
    group_by: UsageGroup = query["group_by"]
    bucket: UsageBucket = query["bucket"]
    since: int | None = query["since"]
    limit: int = query["limit"]
    step = _BUCKETS[bucket]
    start = since if since is not None else int(time.time()) // step * step - 47 * step
    rows = await (await _store(context)).usage_since(
        group_by,
        _filters(query, _USAGE_FILTERS),
        float(start),
        MAX_SERIES_RECORDS + 1,
    )
    truncated = len(rows) > MAX_SERIES_RECORDS
    totals: dict[str, int] = defaultdict(int)
    workflows: dict[str, str] = {}
    for row in rows[:MAX_SERIES_RECORDS]:
        key = _usage_key(group_by, row)
        totals[key] += int(row["input_tokens"]) + int(row["output_tokens"])
        workflows.setdefault(key, str(row.get("workflow_id")))
    top = sorted(totals, key=lambda k: (-totals[k], k))[:limit]
    kept = set(top)
    # key -> bucket start -> [runs, input, output]
    points: dict[str, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    for row in rows[:MAX_SERIES_RECORDS]:
        key = _usage_key(group_by, row)
        cell = points[key if key in kept else "other"][int(row["created_at"]) // step * step]
        cell[0] += 1
        cell[1] += int(row["input_tokens"])
        cell[2] += int(row["output_tokens"])
    data = []
    for key in [*top, *(["other"] if "other" in points and "other" not in kept else [])]:
        series = [
            {"start": at, "runs": r, "input_tokens": i, "output_tokens": o, "total_tokens": i + o}
            for at, (r, i, o) in sorted(points[key].items())
        ]
        data.append(
            {
                "key": key,
                "workflow_id": workflows.get(key) if group_by == "workflow_version" and key in kept else None,
                "total_tokens": sum(p["total_tokens"] for p in series),
                "points": series,
            }
        )
    body = {"object": "chatkit.usage.series", "group_by": group_by, "bucket": bucket, "since": start}
    return {**body, "truncated": truncated, "data": data}


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
    Endpoint(
        "GET",
        "/v1/chatkit/usage/series",
        usage_series,
        UsageSeries,
        "Token usage per group key over time.",
        query=UsageSeriesQuery,
    ),
]
