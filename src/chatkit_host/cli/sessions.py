"""``chatkit-host sessions create|cancel|show|list``."""

from __future__ import annotations

from typing import Any

import click

from chatkit_host.cli._common import Ctx, api_command, state_variables, timestamp
from chatkit_host.types.sessions import ChatSession


def _show(ctx: Ctx, session: ChatSession) -> None:
    if ctx.out.as_json:
        ctx.out.json(session)
        return
    ctx.out.fields(
        [
            ("id", session.id),
            ("user", session.user),
            ("workflow", session.workflow.id + (f"@{session.workflow.version}" if session.workflow.version else "")),
            ("status", session.status),
            ("expires_at", timestamp(session.expires_at)),
            ("requests/minute", session.max_requests_per_1_minute),
            ("client_secret", session.client_secret),
        ]
    )


@click.group()
def sessions() -> None:
    """Create and cancel ChatKit sessions."""


@sessions.command("create")
@click.option("--user", required=True, help="Your identifier of the end user.")
@click.option("--workflow", "workflow_id", default="default", show_default=True, help="Workflow id.")
@click.option("--workflow-version", default=None, help="Pin a version (default: the latest).")
@click.option("--state", "state", multiple=True, metavar="KEY=VALUE", help="A state variable (repeatable).")
@click.option("--no-tracing", is_flag=True, help="Do not trace this session's runs.")
@click.option("--expires-in", type=int, default=None, help="Seconds until the session expires (1..600).")
@click.option("--rate-limit", type=int, default=None, help="Runtime requests per minute.")
@api_command
def create(
    ctx: Ctx,
    user: str,
    workflow_id: str,
    workflow_version: str | None,
    state: tuple[str, ...],
    no_tracing: bool,
    expires_in: int | None,
    rate_limit: int | None,
) -> None:
    """Create a session; prints its client secret for the chat UI."""
    variables = state_variables(state)
    workflow: dict[str, Any] = {"id": workflow_id}
    if workflow_version:
        workflow["version"] = workflow_version
    if variables:
        workflow["state_variables"] = variables
    if no_tracing:
        workflow["tracing"] = {"enabled": False}
    session = ctx.client.chatkit.sessions.create(
        user=user,
        workflow=workflow,
        expires_after={"anchor": "created_at", "seconds": expires_in} if expires_in is not None else None,
        rate_limits={"max_requests_per_1_minute": rate_limit} if rate_limit is not None else None,
    )
    _show(ctx, session)


@sessions.command("cancel")
@click.argument("session_id")
@api_command
def cancel(ctx: Ctx, session_id: str) -> None:
    """Cancel a session; its client secret stops working."""
    session = ctx.client.chatkit.sessions.cancel(session_id)
    if ctx.out.as_json:
        ctx.out.json(session)
    else:
        ctx.out.text(f"{session.id} {session.status}")


@sessions.command("show")
@click.argument("session_id")
@api_command
def show(ctx: Ctx, session_id: str) -> None:
    """Show one session."""
    _show(ctx, ctx.client.chatkit.sessions.retrieve(session_id))


@sessions.command("list")
@click.option("--user", default=None, help="Only this user's sessions.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True)
@api_command
def list_sessions(ctx: Ctx, user: str | None, limit: int) -> None:
    """The newest sessions."""
    page = ctx.client.chatkit.sessions.list(user=user, limit=limit)
    if ctx.out.as_json:
        ctx.out.json(page.page)
        return
    ctx.out.table(
        ("id", "user", "workflow", "status", "expires_at"),
        ((s.id, s.user, s.workflow.id, s.status, timestamp(s.expires_at)) for s in page.data),
        empty="no sessions",
    )
