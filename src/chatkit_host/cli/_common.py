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
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import click
from pydantic import BaseModel
from rich.console import Console
from rich.table import Table
from rich.text import Text

from chatkit_host.client import APIConnectionError, APIStatusError, ChatKitHost, ChatKitHostError

EXIT_OK = 0
EXIT_API_ERROR = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 3

P = ParamSpec("P")
R = TypeVar("R")


class Output:
    """Where results go: a table or text for people, JSON for scripts (``--json``)."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json
        # Piped output is not cut to 80 columns: ids must survive `| grep`.
        width = None if sys.stdout.isatty() else max(int(os.environ.get("COLUMNS", "0") or 0), 200)
        self.console = Console(width=width, highlight=False, soft_wrap=False)

    def json(self, value: Any) -> None:
        if isinstance(value, BaseModel):
            value = value.model_dump(mode="json", exclude_none=False)
        click.echo(json.dumps(value, indent=2, ensure_ascii=False))

    def table(self, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
        table = Table(*columns, box=None, pad_edge=False, header_style="bold")
        for row in rows:
            # Text, not str: titles and messages are user content, and "[...]" in them is not rich markup.
            table.add_row(*(Text("" if cell is None else str(cell)) for cell in row))
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


def describe(error: ChatKitHostError) -> str:
    if isinstance(error, APIStatusError):
        detail = ", ".join(f"{k}={v}" for k, v in (("param", error.param), ("code", error.code)) if v)
        suffix = f" ({detail})" if detail else ""
        return f"{error.status_code} {error.message}{suffix}".replace("\n", " ")
    return str(error).replace("\n", " ")


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
        "--api-key", envvar="CHATKIT_HOST_API_KEY", default=None, help="Admin API key (env CHATKIT_HOST_API_KEY)."
    )
    @click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds per request.")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of tables.")
    @functools.wraps(fn)
    def command(
        base_url: str, api_key: str | None, timeout: float, as_json: bool, *args: P.args, **kwargs: P.kwargs
    ) -> None:
        try:
            with ChatKitHost(base_url=base_url, api_key=api_key, timeout=timeout) as client:
                fn(Ctx(client, Output(as_json)), *args, **kwargs)
        except APIConnectionError as exc:
            fail(f"cannot reach {base_url}: {exc.message} ({exc.__cause__ or 'no response'})", EXIT_CONNECTION)
        except ChatKitHostError as exc:
            fail(describe(exc), EXIT_API_ERROR)

    return command
