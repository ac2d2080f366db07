"""``chatkit-host feedback list`` and ``chatkit-host usage``: what users thought, and what runs cost (F23)."""

from __future__ import annotations

from typing import get_args

import click

from chatkit_host.cli._common import Ctx, api_command, timestamp
from chatkit_host.types.traces import UsageGroup


@click.group()
def feedback() -> None:
    """Thumbs up/down users gave on replies in the chat UI."""


@feedback.command("list")
@click.option("--thread", "thread_id", default=None, help="Only feedback on this thread.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@api_command
def list_feedback(ctx: Ctx, thread_id: str | None, limit: int) -> None:
    """The newest feedback."""
    page = ctx.client.chatkit.feedback.list(thread_id=thread_id, limit=limit)
    if ctx.out.as_json:
        ctx.out.json(page.page)
        return
    ctx.out.table(
        ("id", "created", "kind", "user", "thread", "item_id"),
        ((f.id, timestamp(f.created_at), f.kind, f.user, f.thread_id, f.item_id) for f in page.data),
        empty="no feedback",
    )


@click.command()
@click.option(
    "--group-by",
    type=click.Choice(get_args(UsageGroup)),
    default="user",
    show_default=True,
    help="Sum the tokens of every run per this key.",
)
@click.option("--session", "session_id", default=None, help="Only runs of this session.")
@click.option("--thread", "thread_id", default=None, help="Only runs in this thread.")
@click.option("--user", default=None, help="Only runs for this user.")
@click.option("--workflow", "workflow_id", default=None, help="Only runs of this workflow.")
@click.option("--limit", type=click.IntRange(1, 1000), default=None, help="At most this many groups.")
@api_command
def usage(
    ctx: Ctx,
    group_by: UsageGroup,
    session_id: str | None,
    thread_id: str | None,
    user: str | None,
    workflow_id: str | None,
    limit: int | None,
) -> None:
    """Token usage of workflow runs, summed per user, session, thread or workflow version."""
    summary = ctx.client.chatkit.usage.retrieve(
        group_by=group_by, session_id=session_id, thread_id=thread_id, user=user, workflow_id=workflow_id, limit=limit
    )
    if ctx.out.as_json:
        ctx.out.json(summary)
        return
    ctx.out.table(
        (group_by, "runs", "requests", "input", "output", "total"),
        (
            (row.key, row.runs, row.requests, row.input_tokens, row.output_tokens, row.total_tokens)
            for row in summary.data
        ),
        empty="no usage",
    )
