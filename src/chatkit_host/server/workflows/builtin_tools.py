"""Tools and guardrails a declarative definition can name: built-in function tools, client tools, imports.

Client tools are function tools whose call is not executed on the server: invoking one records the request
in the run scope, and the agent stops there (``StopAtTools``) so the engine can hand it to the browser as
a pending ``client_tool_call`` item. The browser's output comes back as thread history on the next turn.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import orjson
from agents import (
    Agent,
    FunctionTool,
    GuardrailFunctionOutput,
    InputGuardrail,
    OutputGuardrail,
    RunContextWrapper,
    Tool,
    TResponseInputItem,
    function_tool,
)
from agents.tool_context import ToolContext
from chatkit.types import ThreadItemDoneEvent, WidgetItem
from chatkit.widgets import Card, Text, Title

from chatkit_host.server.workflows.run_context import ClientToolRequest, current_run

CLIENT_TOOL_RESULT = "The client is running this tool; its output arrives with the next turn."


@function_tool
def current_time() -> str:
    """The current date and time in UTC, ISO 8601."""
    return datetime.now(UTC).isoformat(timespec="seconds")


@function_tool
def get_state(name: str) -> str:
    """Read one of the session's state variables by name (JSON-encoded value, or null when unset)."""
    run = current_run()
    value = run.state.get(name) if run else None
    return orjson.dumps(value).decode()


@function_tool
def show_card(title: str, body: str) -> str:
    """Show the user a card widget with a title and a short body text."""
    run = current_run()
    if run is None or run.new_widget_item is None:
        return "Widgets are not available here."
    item = run.new_widget_item(Card(children=[Title(value=title), Text(value=body)]), f"{title}\n{body}")
    run.pending_events.append(ThreadItemDoneEvent(item=item))
    return "The card is shown to the user."


BUILTIN_TOOLS: dict[str, FunctionTool] = {t.name: t for t in (current_time, get_state, show_card)}


def client_tool(name: str, description: str, parameters: dict[str, Any]) -> FunctionTool:
    """A tool the browser runs: calling it asks the client and ends the agent's turn."""

    async def invoke(ctx: ToolContext[Any], arguments: str) -> str:
        run = current_run()
        if run is not None:
            args = orjson.loads(arguments) if arguments.strip() else {}
            run.client_tool = ClientToolRequest(call_id=ctx.tool_call_id, name=name, arguments=args)
        return CLIENT_TOOL_RESULT

    schema = parameters or {"type": "object", "properties": {}, "additionalProperties": False}
    return FunctionTool(
        name=name,
        description=description,
        params_json_schema=schema,
        on_invoke_tool=invoke,
        strict_json_schema=False,
    )


def import_object(path: str) -> Any:
    """``package.module:attribute``; raises ValueError with a readable reason."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise ValueError(f"'{path}' is not of the form 'package.module:attribute'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import module '{module_name}': {exc}") from exc
    try:
        return getattr(module, attribute)
    except AttributeError as exc:
        raise ValueError(f"module '{module_name}' has no attribute '{attribute}'") from exc


def imported_tool(path: str) -> Tool:
    found = import_object(path)
    if isinstance(found, FunctionTool):
        return found
    if callable(found):
        return function_tool(found)
    raise ValueError(f"'{path}' is neither a function tool nor a function")


def _text_of(value: str | list[TResponseInputItem] | Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        # Only the latest user message: earlier turns already passed this guardrail.
        for item in reversed(value):
            if isinstance(item, dict) and item.get("role") == "user":
                return orjson.dumps(item.get("content"), default=str).decode()
        return ""
    return str(value)


def _blocked(text: str, words: list[str]) -> str | None:
    lowered = text.lower()
    return next((w for w in words if w.lower() in lowered), None)


def blocklist_input_guardrail(name: str, words: list[str], message: str) -> InputGuardrail[Any]:
    async def check(
        ctx: RunContextWrapper[Any], agent: Agent[Any], value: str | list[TResponseInputItem]
    ) -> GuardrailFunctionOutput:
        hit = _blocked(_text_of(value), words)
        return GuardrailFunctionOutput(output_info={"message": message, "matched": hit}, tripwire_triggered=bool(hit))

    # Not in parallel: a blocked message must not reach the model at all.
    return InputGuardrail(guardrail_function=check, name=name, run_in_parallel=False)


def blocklist_output_guardrail(name: str, words: list[str], message: str) -> OutputGuardrail[Any]:
    async def check(ctx: RunContextWrapper[Any], agent: Agent[Any], value: Any) -> GuardrailFunctionOutput:
        hit = _blocked(_text_of(value), words)
        return GuardrailFunctionOutput(output_info={"message": message, "matched": hit}, tripwire_triggered=bool(hit))

    return OutputGuardrail(guardrail_function=check, name=name)


def new_widget_item_factory(thread_id: str, mint: Any) -> Any:
    """Builds ``WidgetItem``s with runtime-minted ids, for ``show_card``."""

    def make(widget: Card, copy_text: str | None) -> WidgetItem:
        return WidgetItem(
            id=mint("widget"), thread_id=thread_id, created_at=datetime.now(), widget=widget, copy_text=copy_text
        )

    return make
