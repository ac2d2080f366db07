"""``chatkit-host traces list|show``: workflow runs and their spans."""

from __future__ import annotations

import click

from chatkit_host.cli._common import Ctx, api_command, timestamp
from chatkit_host.types.traces import Trace, TraceSpan


def _tokens(span: TraceSpan) -> str:
    if span.input_tokens is None and span.output_tokens is None:
        return ""
    return f"{span.input_tokens or 0} in / {span.output_tokens or 0} out"


def _depths(spans: list[TraceSpan]) -> dict[str, int]:
    """Nesting depth of each span, so the table reads as a tree."""
    parents = {span.id: span.parent_id for span in spans}
    depths: dict[str, int] = {}
    for span in spans:
        depth, parent = 0, span.parent_id
        while parent is not None and parent in parents and depth < len(spans):
            depth, parent = depth + 1, parents[parent]
        depths[span.id] = depth
    return depths


def _trace_row(trace: Trace) -> tuple[object, ...]:
    workflow = f"{trace.workflow.id}@{trace.workflow.version}"
    return (trace.id, timestamp(trace.started_at), workflow, trace.user, trace.status, f"{trace.duration_ms:.0f} ms")


@click.group()
def traces() -> None:
    """Inspect traces of workflow runs."""


@traces.command("list")
@click.option("--thread", "thread_id", default=None, help="Only runs in this thread.")
@click.option("--session", "session_id", default=None, help="Only runs of this session.")
@click.option("--workflow", "workflow_id", default=None, help="Only runs of this workflow.")
@click.option("--user", default=None, help="Only runs for this user.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@api_command
def list_traces(
    ctx: Ctx, thread_id: str | None, session_id: str | None, workflow_id: str | None, user: str | None, limit: int
) -> None:
    """The newest runs."""
    page = ctx.client.chatkit.traces.list(
        thread_id=thread_id, session_id=session_id, workflow_id=workflow_id, user=user, limit=limit
    )
    if ctx.out.as_json:
        ctx.out.json(page.page)
        return
    ctx.out.table(
        ("id", "started", "workflow", "user", "status", "duration"),
        (_trace_row(t) for t in page.data),
        empty="no traces",
    )


@traces.command("show")
@click.argument("trace_id")
@api_command
def show(ctx: Ctx, trace_id: str) -> None:
    """One run with its spans: agents, model calls (tokens, latency), tools, handoffs, guardrails."""
    trace = ctx.client.chatkit.traces.retrieve(trace_id)
    if ctx.out.as_json:
        ctx.out.json(trace)
        return
    ctx.out.fields(
        [
            ("id", trace.id),
            ("workflow", f"{trace.workflow.id}@{trace.workflow.version}"),
            ("thread", trace.thread_id),
            ("session", trace.session_id),
            ("user", trace.user),
            ("status", trace.status + (f": {trace.error}" if trace.error else "")),
            ("started", timestamp(trace.started_at)),
            ("duration", f"{trace.duration_ms:.1f} ms"),
            ("tokens", f"{trace.usage.input_tokens} in / {trace.usage.output_tokens} out"),
        ]
    )
    spans = trace.spans or []
    depths = _depths(spans)
    ctx.out.text("")
    ctx.out.table(
        ("span", "kind", "model", "tokens", "duration", "error"),
        (
            ("  " * depths[s.id] + s.name, s.kind, s.model, _tokens(s), f"{s.duration_ms:.1f} ms", s.error)
            for s in spans
        ),
    )
