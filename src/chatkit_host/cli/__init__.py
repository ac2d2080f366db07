"""The ``chatkit-host`` command: ``serve`` and ``db`` here; API commands in their own modules."""

from __future__ import annotations

import click

from chatkit_host._version import __version__
from chatkit_host.cli.chat import chat
from chatkit_host.cli.server import db, serve
from chatkit_host.cli.sessions import sessions
from chatkit_host.cli.threads import threads
from chatkit_host.cli.traces import traces
from chatkit_host.cli.usage import feedback, usage
from chatkit_host.cli.workflows import workflows


@click.group()
@click.version_option(__version__, prog_name="chatkit-host")
def main() -> None:
    """Self-hosted ChatKit: the REST API, the runtime, workflows and a chat UI."""


main.add_command(serve)
main.add_command(db)
main.add_command(sessions)
main.add_command(threads)
main.add_command(chat)
main.add_command(workflows)
main.add_command(traces)
main.add_command(feedback)
main.add_command(usage)

__all__ = ["main"]
