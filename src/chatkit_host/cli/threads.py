"""``chatkit-host threads list|show|items|delete|export``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import IO, Literal

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from chatkit_host.cli._common import Ctx, api_command, plural, timestamp
from chatkit_host.types.threads import ChatKitThread, ThreadItem

Order = Literal["asc", "desc"]
_order_option = click.option("--order", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)


def item_text(item: ThreadItem) -> str:
    """One line of what an item says, for tables."""
    match item.type:
        case "chatkit.user_message" | "chatkit.assistant_message":
            return " ".join(part.text for part in item.content).replace("\n", " ")
        case "chatkit.client_tool_call":
            return f"{item.name}({item.arguments}) [{item.status}]"
        case "chatkit.task":
            return item.heading or item.summary or item.task_type
        case "chatkit.task_group":
            return f"{len(item.tasks)} tasks"
        case "chatkit.widget":
            return "widget"


def _thread_row(thread: ChatKitThread) -> tuple[object, ...]:
    return (thread.id, timestamp(thread.created_at), thread.user, thread.status.type, thread.title or "")


@click.group()
def threads() -> None:
    """List, show, export and delete threads."""


@threads.command("list")
@click.option("--user", default=None, help="Only this user's threads.")
@click.option("--limit", type=click.IntRange(1, 100), default=20, show_default=True, help="Threads per page.")
@click.option("--all", "all_pages", is_flag=True, help="Walk every page, not just the first.")
@_order_option
@api_command
def list_threads(ctx: Ctx, user: str | None, limit: int, all_pages: bool, order: Order) -> None:
    """The newest threads (one page unless --all)."""
    page = ctx.client.chatkit.threads.list(user=user, limit=limit, order=order)
    found = list(page) if all_pages else page.data
    if ctx.out.as_json:
        has_more = False if all_pages else page.has_more
        body = {
            "object": "list",
            "data": [t.model_dump(mode="json") for t in found],
            "first_id": found[0].id if found else None,
            "last_id": found[-1].id if found else None,
            "has_more": has_more,
        }
        ctx.out.json(body)
        return
    ctx.out.table(("id", "created", "user", "status", "title"), (_thread_row(t) for t in found), empty="no threads")
    if page.has_more and not all_pages:
        click.echo("(more: --all, or --limit up to 100)", err=True)


@threads.command("show")
@click.argument("thread_id")
@api_command
def show(ctx: Ctx, thread_id: str) -> None:
    """One thread."""
    thread = ctx.client.chatkit.threads.retrieve(thread_id)
    if ctx.out.as_json:
        ctx.out.json(thread)
        return
    row = _thread_row(thread)
    ctx.out.fields(zip(("id", "created", "user", "status", "title"), row, strict=True))


@threads.command("items")
@click.argument("thread_id")
@click.option("--limit", type=click.IntRange(1, 100), default=100, show_default=True, help="Items per request.")
@click.option("--order", type=click.Choice(["asc", "desc"]), default="asc", show_default=True)
@api_command
def items(ctx: Ctx, thread_id: str, limit: int, order: Order) -> None:
    """Every item of a thread, oldest first."""
    found = list(ctx.client.chatkit.threads.list_items(thread_id, limit=limit, order=order))
    if ctx.out.as_json:
        ctx.out.json([item.model_dump(mode="json") for item in found])
        return
    ctx.out.table(
        ("id", "created", "type", "text"),
        ((i.id, timestamp(i.created_at), i.type.removeprefix("chatkit."), item_text(i)) for i in found),
        empty="no items",
    )


@threads.command("delete")
@click.argument("thread_ids", nargs=-1, required=True)
@api_command
def delete(ctx: Ctx, thread_ids: tuple[str, ...]) -> None:
    """Delete threads with their items and attachments."""
    receipts = [ctx.client.chatkit.threads.delete(thread_id) for thread_id in thread_ids]
    if ctx.out.as_json:
        ctx.out.json([r.model_dump(mode="json") for r in receipts])
        return
    for receipt in receipts:
        ctx.out.text(f"{receipt.id} deleted")


@threads.command("export")
@click.option("--user", default=None, help="Only this user's threads.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="JSONL file to write [default: stdout].",
)
@click.option("--no-progress", is_flag=True, help="No progress bar (there is none when stderr is not a terminal).")
@api_command
def export(ctx: Ctx, user: str | None, output: Path | None, no_progress: bool) -> None:
    """Write threads with their items as JSON Lines: one {"thread": ..., "items": [...]} per line.

    Threads come oldest first, so an export can be diffed against an earlier one.
    """
    # Listing first gives the progress bar its total; the items are fetched one thread at a time.
    found = list(ctx.client.chatkit.threads.list(user=user, limit=100, order="asc"))
    console = Console(stderr=True)
    progress = Progress(
        TextColumn("exporting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        # A bar is for someone watching; in logs and pipes it would only be noise.
        disable=no_progress or not console.is_terminal,
    )
    target: IO[str] = sys.stdout if output is None else output.open("w", encoding="utf-8")
    try:
        with progress:
            task = progress.add_task("threads", total=len(found))
            for thread in found:
                thread_items = ctx.client.chatkit.threads.list_items(thread.id, limit=100, order="asc")
                record = {
                    "thread": thread.model_dump(mode="json"),
                    "items": [item.model_dump(mode="json") for item in thread_items],
                }
                target.write(json.dumps(record, ensure_ascii=False) + "\n")
                progress.advance(task)
    finally:
        if output is not None:
            target.close()
    click.echo(f"exported {plural(len(found), 'thread')}" + (f" to {output}" if output else ""), err=True)
