"""``chatkit-host chat``: an interactive terminal chat that streams replies through the runtime."""

from __future__ import annotations

import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

import click

from chatkit_host.cli._common import Ctx, api_command, state_variables
from chatkit_host.client import StreamError

if TYPE_CHECKING:
    from chatkit_host.client.conversation import Conversation

_QUIT = {"/quit", "/exit"}


@click.command()
@click.option("--user", default=None, help="End user of the new session [default: your login name].")
@click.option("--workflow", "workflow_id", default="default", show_default=True, help="Workflow of the new session.")
@click.option("--workflow-version", default=None, help="Pin a workflow version.")
@click.option("--state", multiple=True, metavar="KEY=VALUE", help="A state variable of the new session (repeatable).")
@click.option("--client-secret", default=None, envvar="CHATKIT_HOST_CLIENT_SECRET", help="Use this session instead.")
@click.option("--thread", "thread_id", default=None, help="Continue this thread instead of starting one.")
@click.option("--model", default=None, help="inference_options.model for every message.")
@api_command
def chat(
    ctx: Ctx,
    user: str | None,
    workflow_id: str,
    workflow_version: str | None,
    state: tuple[str, ...],
    client_secret: str | None,
    thread_id: str | None,
    model: str | None,
) -> None:
    """Chat with a workflow. Reads one message per line from stdin (type /quit or Ctrl-D to end).

    Without --client-secret a session is created with the admin key. With --json every stream event is
    printed as one JSON line instead of the reply text.
    """
    if client_secret is None:
        workflow: dict[str, Any] = {"id": workflow_id}
        if workflow_version:
            workflow["version"] = workflow_version
        if state:
            workflow["state_variables"] = state_variables(state)
        session = ctx.client.chatkit.sessions.create(user=user or getpass.getuser(), workflow=workflow)
        client_secret = session.client_secret
        click.echo(f"session {session.id} ({session.workflow.id}) for {session.user}", err=True)
    conversation = ctx.client.chatkit.conversation(client_secret, thread_id=thread_id, model=model)
    interactive = sys.stdin.isatty()
    try:
        _loop(ctx, conversation, interactive)
    except KeyboardInterrupt:
        # Ctrl-C ends a chat like Ctrl-D does; the thread is saved either way.
        click.echo("", err=True)


def _loop(ctx: Ctx, conversation: Conversation, interactive: bool) -> None:
    while True:
        if interactive:
            click.echo("you> ", nl=False, err=True)
        line = sys.stdin.readline()
        if not line:
            break
        message = line.strip()
        if not message:
            continue
        if message in _QUIT:
            break
        new_thread = conversation.thread_id is None
        try:
            if ctx.out.as_json:
                for event in conversation.send(message):
                    click.echo(json.dumps(event.model_dump(mode="json", exclude_none=True)))
            else:
                if interactive:
                    click.echo("assistant> ", nl=False, err=True)
                for piece in conversation.stream_text(message):
                    click.echo(piece, nl=False)
                click.echo()
        except StreamError as exc:
            # The turn failed but the conversation can go on; scripts see it on stderr.
            click.echo(f"error: stream: {exc.message} (code={exc.code})", err=True)
        if new_thread and conversation.thread_id:
            click.echo(f"thread {conversation.thread_id}", err=True)
