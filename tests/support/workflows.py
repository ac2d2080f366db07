"""Workflows on the real provider path: publish a definition, open a session on it, read what the model said."""

from __future__ import annotations

from typing import Any

from chatkit.types import AssistantMessageItem

from tests.support.fake_openai import FakeOpenAI
from tests.support.runtime import Runtime
from tests.support.servers import MakeServer, RunningServer

#: The two OpenAI APIs a provider may speak; provider tests run over both.
APIS = ["chat_completions", "responses"]

#: A two-agent YAML workflow with a server tool, a client tool, a handoff, a guardrail and state variables.
SUPPORT = """
state_variables:
  tier: {type: string, default: free}
  company: {type: string, default: Acme}
models: [fake-small, fake-large]
agents:
  - name: triage
    model: fake-small
    instructions: "You help {{ state.company }} customers on the {{ state.tier }} plan."
    handoffs: [billing]
    tools:
      - builtin: get_state
      - client:
          name: get_location
          description: The user's location
          parameters: {type: object, properties: {precise: {type: boolean}}, required: [precise]}
    guardrails:
      input:
        - {name: no_cards, blocked_words: [cvv], message: "Never share card details here."}
  - name: billing
    model: fake-small
    handoff_description: Billing questions
    instructions: "BILLING DESK for the {{ state.tier }} plan."
"""

#: A one-agent YAML definition with one state variable (the SDK and CLI workflow tests publish it).
HELPER_WORKFLOW = """\
name: Support
state_variables:
  tier: {type: string, default: free}
agents:
  - name: helper
    instructions: "Help {{ state.tier }} customers."
"""


def provider_server(
    make_server: MakeServer, fake: FakeOpenAI, api: str = "chat_completions", **kw: Any
) -> RunningServer:
    """A server whose model calls go to ``fake`` over ``api``."""
    return make_server(openai_base_url=fake.base_url + "/v1", openai_api=api, **kw)


def publish(server: RunningServer, source: str, workflow_id: str, fmt: str = "yaml") -> dict[str, Any]:
    response = server.admin().post("/v1/chatkit/workflows", json={"id": workflow_id, "format": fmt, "source": source})
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def runtime(server: RunningServer, workflow: dict[str, Any], user: str = "alice", titles: bool = False) -> Runtime:
    """A session on ``workflow``; titling is off unless asked for, so the model sees only the turns' calls."""
    config = {"automatic_thread_titling": {"enabled": titles}}
    return Runtime.for_user(server, user, workflow=workflow, chatkit_configuration=config)


def reply_text(events: list[Any]) -> str:
    """The text of the last assistant message a turn's events completed."""
    done = [e.item for e in events if e.type == "thread.item.done" and isinstance(e.item, AssistantMessageItem)]
    assert done, [e.type for e in events]
    return "".join(c.text for c in done[-1].content)


def traces(server: RunningServer, **params: str) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = server.admin().get("/v1/chatkit/traces", params=params).json()["data"]
    return data


def trace_spans(server: RunningServer, trace_id: str) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = server.admin().get(f"/v1/chatkit/traces/{trace_id}").json()["spans"]
    return spans


def inventory_mcp_server() -> Any:
    """A real MCP server with one tool, ``stock_level``, for workflows that declare MCP servers."""
    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError:  # mcp 1.x, before FastMCP was renamed
        from mcp.server.fastmcp import FastMCP as MCPServer  # type: ignore[attr-defined,no-redef]

    inventory = MCPServer("inventory")

    @inventory.tool()
    def stock_level(sku: str) -> str:
        """How many units of a product are in stock."""
        return f"{sku}: 42 units"

    return inventory
