"""``chatkit-host chat``: an interactive terminal chat that streams replies through the runtime.

Decisions (issue 16, F8/F24):

- Lines starting with ``/`` are commands (``/help`` lists them); ``//text`` sends ``/text``. An unknown command is
  reported, not sent, so a typo such as ``/hepl`` never reaches the model.
- Ctrl-C during a reply stops that reply (the server keeps the part already written, as the UI's Stop does) and
  returns to the prompt; Ctrl-C at the prompt ends the chat with exit code 130, the shell's code for SIGINT.
- ``--thread`` is checked with the admin key before a session is made, so a wrong id leaves no orphan session;
  without ``--user`` the chat continues as the thread's owner.
"""

from __future__ import annotations

import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

import click

from chatkit_host.cli._chat_io import LineReader, ReplyPrinter, pieces_until_interrupted
from chatkit_host.cli._common import EXIT_API_ERROR, Ctx, api_command, describe, fail, state_variables
from chatkit_host.client import NotFoundError, StreamError

if TYPE_CHECKING:
    from chatkit_host.client.conversation import Conversation

#: Exit code after Ctrl-C at the prompt (128 + SIGINT), as shells report an interrupted command.
EXIT_INTERRUPTED = 130

HELP = """\
/help          this list
/new           start a new thread (same session)
/thread        show the current thread's id
/thread ID     continue thread ID
/quit, /exit   end the chat (so does Ctrl-D)
//text         send "/text" as a message
Ctrl-C         stop the reply being written; at the prompt, end the chat"""


@click.command()
@click.option("--user", default=None, help="End user of the new session [default: the thread's user, else your login].")
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
    """Chat with a workflow. Reads one message per line from stdin (/help lists the commands; Ctrl-D ends).

    Without --client-secret a session is created with the admin key. With --json every stream event is
    printed as one JSON line instead of the reply text.
    """
    if client_secret is None:
        variables = state_variables(state)  # bad --state is a usage error before anything is created
        if thread_id is not None:
            owner = ctx.client.chatkit.threads.retrieve(thread_id).user  # 404 here: no session was made (F24)
            if user is not None and user != owner:
                fail(f"thread {thread_id} belongs to user {owner!r}, not {user!r}; leave out --user", EXIT_API_ERROR)
            user = owner
        workflow: dict[str, Any] = {"id": workflow_id}
        if workflow_version:
            workflow["version"] = workflow_version
        if variables:
            workflow["state_variables"] = variables
        session = ctx.client.chatkit.sessions.create(user=user or getpass.getuser(), workflow=workflow)
        client_secret = session.client_secret
        click.echo(f"session {session.id} ({session.workflow.id}) for {session.user}", err=True)
    conversation = ctx.client.chatkit.conversation(client_secret, thread_id=thread_id, model=model)
    reader = LineReader()
    try:
        _loop(ctx, conversation, reader)
    except KeyboardInterrupt:
        click.echo("", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finally:
        reader.close()


def _loop(ctx: Ctx, conversation: Conversation, reader: LineReader) -> None:
    printer = ReplyPrinter()
    while True:
        line = reader.read()
        if line is None:
            return
        message = line.strip()
        if not message:
            continue
        if message.startswith("/") and not message.startswith("//"):
            if not _command(ctx, conversation, message):
                return
            continue
        if message.startswith("//"):
            message = message[1:]
        new_thread = conversation.thread_id is None
        try:
            if ctx.out.as_json:
                for event in conversation.send(message):
                    click.echo(json.dumps(event.model_dump(mode="json", exclude_none=True)))
            else:
                with printer.reply() as reply:
                    finished = pieces_until_interrupted(conversation.stream_text(message), reply)
                if not finished:
                    click.echo("(stopped; the part above is saved in the thread)", err=True)
        except StreamError as exc:
            # The turn failed but the conversation can go on; scripts see it on stderr.
            click.echo(f"error: stream: {exc.message} (code={exc.code})", err=True)
        if new_thread and conversation.thread_id:
            click.echo(f"thread {conversation.thread_id}", err=True)


def _command(ctx: Ctx, conversation: Conversation, message: str) -> bool:
    """Run a ``/command``; False when the chat should end."""
    name, _, argument = message.partition(" ")
    argument = argument.strip()
    if name in ("/quit", "/exit"):
        return False
    if name == "/help":
        click.echo(HELP, err=True)
    elif name == "/new":
        conversation.thread_id = None
        click.echo("new thread: your next message starts it", err=True)
    elif name == "/thread" and not argument:
        click.echo(f"thread {conversation.thread_id}" if conversation.thread_id else "no thread yet", err=True)
    elif name == "/thread":
        if _thread_exists(ctx, argument):
            conversation.thread_id = argument
            click.echo(f"thread {argument}", err=True)
    else:
        click.echo(f"unknown command {name}; /help lists the commands (//text sends /text)", err=True)
    return True


def _thread_exists(ctx: Ctx, thread_id: str) -> bool:
    """Checked with the admin key when there is one; with only a client secret the next message will tell."""
    if ctx.client.api_key is None:
        return True
    try:
        ctx.client.chatkit.threads.retrieve(thread_id)
    except NotFoundError as exc:
        click.echo(f"error: {describe(exc)}", err=True)
        return False
    return True
