"""What every API command shares: connection options, the client, output, and exit codes.

Exit codes (documented in docs/cli.md) are part of the interface scripts rely on:

    0  success
    1  the API answered with an error (4xx/5xx), or an unexpected response / stream error
    2  usage error (bad or missing arguments; click's own code)
    3  the server could not be reached or timed out
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import click
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from chatkit_host.client import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    ChatKitHost,
    ChatKitHostError,
    RetryNotice,
)
from chatkit_host.client._credentials import key_file_path

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 3

#: The 401 codes of a missing or wrong admin key (src/chatkit_host/server/http), which get a how-to-fix hint.
ADMIN_KEY_CODES = frozenset({"missing_api_key", "invalid_api_key"})

P = ParamSpec("P")
R = TypeVar("R")


#: Width of the console when stdout is not a terminal: wide enough that no row is ever wrapped or cut, so
#: piped tables keep one record per line with every id whole (``| grep``, ``| awk '{print $1}'``).
PIPE_WIDTH = 10_000


def is_id_column(name: str) -> bool:
    """Columns whose values are pasted into the next command: never cut, never wrapped."""
    return name in ("id", "thread", "session", "workflow", "version") or name.endswith("_id")


class Output:
    """Where results go: a table or text for people, JSON for scripts (``--json``)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        self.console = Console(width=None if sys.stdout.isatty() else PIPE_WIDTH, highlight=False, soft_wrap=False)

    def json(self, value: Any) -> None:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json", exclude_none=False)
        click.echo(json.dumps(value, indent=2, ensure_ascii=False))

    def table(self, columns: Sequence[str], rows: Iterable[Sequence[object]], *, empty: str | None = None) -> None:
        """A table; with no rows, ``empty`` (e.g. "no threads") on stderr instead of a lone header."""
        cells = [[Text("" if cell is None else str(cell)) for cell in row] for row in rows]
        if not cells and empty is not None:
            click.echo(empty, err=True)
            return
        table = Table(box=None, pad_edge=False, header_style="bold")
        for index, name in enumerate(columns):
            if is_id_column(name):
                # On a narrow terminal rich shrinks columns and cuts them with "…"; an id column keeps its
                # widest value whole and the text columns (titles, messages) wrap instead (F7).
                widest = max((row[index].cell_len for row in cells), default=0)
                table.add_column(name, no_wrap=True, min_width=max(widest, len(name)), overflow="fold")
            else:
                table.add_column(name, overflow="fold")
        for row in cells:
            # Text, not str: titles and messages are user content, and "[...]" in them is not rich markup.
            table.add_row(*row)
        self.console.print(table)

    def fields(self, pairs: Iterable[tuple[str, object]]) -> None:
        self.table(("field", "value"), ((name, value) for name, value in pairs))

    def text(self, message: str) -> None:
        click.echo(message)


class Ctx:
    """Passed to every API command: the connected client and the output."""

    def __init__(self, client: ChatKitHost, output: Output) -> None:
        self.client = client
        self.out = output


def plural(count: int, noun: str) -> str:
    """``1 thread``, ``2 threads``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


def timestamp(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")


def state_variables(pairs: Iterable[str]) -> dict[str, Any]:
    """``--state KEY=VALUE`` options: numbers and booleans are typed, anything else is a string."""
    variables: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--state")
        variables[key] = _typed(raw)
    return variables


def _typed(raw: str) -> Any:
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    for cast in (int, float):
        try:
            return cast(raw)
        except ValueError:
            continue
    return raw


def fail(message: str, code: int) -> None:
    """One line on stderr, then exit with ``code``."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def describe(error: ChatKitHostError, key_source: str | None = None) -> str:
    if isinstance(error, APIStatusError):
        detail = ", ".join(f"{k}={v}" for k, v in (("param", error.param), ("code", error.code)) if v)
        suffix = f" ({detail})" if detail else ""
        # Only for the admin key: a refused client secret (chat --client-secret) has codes of its own.
        admin_key_refused = isinstance(error, AuthenticationError) and error.code in ADMIN_KEY_CODES
        hint = f" {key_hint(key_source)}" if admin_key_refused else ""
        return f"{error.status_code} {error.message}{suffix}{hint}".replace("\n", " ")
    return str(error).replace("\n", " ")


def key_hint(source: str | None) -> str:
    """How to fix a refused admin key, in the order the CLI looks for one (flag, environment, data directory)."""
    where = {"argument": "--api-key", "environment": "CHATKIT_HOST_API_KEY"}.get(source or "", source)
    tried = f"The key came from {where}. " if where else ""
    return (
        f"{tried}Pass --api-key, set CHATKIT_HOST_API_KEY, or run where `chatkit-host serve` wrote "
        f"{key_file_path()} (its data directory)."
    )


def report_retry(notice: RetryNotice) -> None:
    """Say on stderr why a command is waiting, so a rate-limited `chat` does not stall in silence (F6).

    Only waits a person notices are reported: 429s and server errors. Connection retries take about 1.5 s in
    all and end in their own error line; reporting each would break the one-error-line rule of docs/cli.md.
    """
    if notice.status_code is None:
        return
    reason = "rate limited" if notice.status_code == 429 else f"server answered {notice.status_code}"
    click.echo(f"{reason}; retrying in {max(1, round(notice.delay))} s", err=True)


def api_command(fn: Callable[Concatenate[Ctx, P], R]) -> Callable[..., None]:
    """Add ``--base-url``, ``--api-key``, ``--json`` and ``--timeout``, build the client, map errors to exit codes."""

    @click.option(
        "--base-url",
        envvar="CHATKIT_HOST_BASE_URL",
        default="http://127.0.0.1:8000",
        show_default=True,
        help="Server root (env CHATKIT_HOST_BASE_URL).",
    )
    @click.option(
        "--api-key",
        default=None,
        help="Admin API key [default: env CHATKIT_HOST_API_KEY, else a local server's .chatkit-host/admin_api_key].",
    )
    @click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds per request.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of tables.")
    @functools.wraps(fn)
    def command(
        base_url: str, api_key: str | None, timeout: float, as_json: bool, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        client = ChatKitHost(base_url=base_url, api_key=api_key, timeout=timeout, on_retry=report_retry)
        try:
            with client:
                fn(Ctx(client, Output(as_json)), *args, **kwargs)
        except APIConnectionError as exc:
            fail(f"cannot reach {base_url}: {exc.message} ({exc.__cause__ or 'no response'})", EXIT_CONNECTION)
        except ChatKitHostError as exc:
            fail(describe(exc, client.api_key_source), EXIT_API_ERROR)

    return command
