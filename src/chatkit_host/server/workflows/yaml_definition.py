"""Declarative workflows: one agent or several with handoffs, tools, guardrails and state variables.

See ``docs/workflows.md`` for the format. The YAML is validated into pydantic models first, so a mistake is
reported as a 400 naming where in the file it is, never as a failure during a turn.
"""

from __future__ import annotations

from typing import Any, Literal

import yaml
from agents import Agent, ModelSettings, StopAtTools, Tool
from agents.mcp import MCPServer
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chatkit_host.server.workflows.builtin_tools import (
    BUILTIN_TOOLS,
    blocklist_input_guardrail,
    blocklist_output_guardrail,
    client_tool,
    imported_tool,
)
from chatkit_host.server.workflows.definition import (
    KIND_AGENTS,
    CompiledWorkflow,
    bind_agents,
    parse_budget,
    parse_state,
)
from chatkit_host.server.workflows.mcp_servers import RecoveringSse, RecoveringStreamableHttp
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.python_load import invalid


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ClientToolSpec(_Spec):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)


class ToolSpec(_Spec):
    builtin: str | None = None
    function: str | None = None  # "package.module:attribute"
    client: ClientToolSpec | None = None


class GuardrailSpec(_Spec):
    name: str
    blocked_words: list[str] = Field(min_length=1)
    message: str = "Sorry, I can't help with that."


class GuardrailsSpec(_Spec):
    input: list[GuardrailSpec] = Field(default_factory=list)
    output: list[GuardrailSpec] = Field(default_factory=list)


class MCPServerSpec(_Spec):
    name: str
    url: str
    transport: Literal["streamable_http", "sse"] = "streamable_http"
    headers: dict[str, str] = Field(default_factory=dict)


class AgentSpec(_Spec):
    name: str = Field(min_length=1)
    instructions: str = ""
    model: str | None = None
    model_settings: dict[str, Any] = Field(default_factory=dict)
    handoff_description: str | None = None
    handoffs: list[str] = Field(default_factory=list)
    tools: list[ToolSpec] = Field(default_factory=list)
    guardrails: GuardrailsSpec = Field(default_factory=GuardrailsSpec)
    mcp_servers: list[MCPServerSpec] = Field(default_factory=list)


class WorkflowSpec(_Spec):
    #: The workflow id used when the file is registered with ``serve --workflow`` (default: file stem).
    id: str | None = None
    name: str | None = None
    description: str | None = None
    models: list[str] = Field(default_factory=list)
    state_variables: dict[str, Any] | None = None
    start: str | None = None
    agents: list[AgentSpec] = Field(min_length=1)
    #: The attachment budget (``attachment_input.AttachmentBudget``); checked there.
    attachments: dict[str, Any] | None = None


def _where(loc: tuple[int | str, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")


def _tool(spec: ToolSpec, where: str) -> Tool:
    chosen = [x for x in (spec.builtin, spec.function, spec.client) if x is not None]
    if len(chosen) != 1:
        raise invalid(f"{where}: give exactly one of builtin, function or client.")
    if spec.builtin is not None:
        found = BUILTIN_TOOLS.get(spec.builtin)
        if found is None:
            raise invalid(f"{where}: no built-in tool '{spec.builtin}' (have: {', '.join(sorted(BUILTIN_TOOLS))}).")
        return found
    if spec.function is not None:
        try:
            return imported_tool(spec.function)
        except ValueError as exc:
            raise invalid(f"{where}: {exc}.") from exc
    assert spec.client is not None
    return client_tool(spec.client.name, spec.client.description, spec.client.parameters)


def _mcp(spec: MCPServerSpec) -> MCPServer:
    if spec.transport == "sse":
        return RecoveringSse(spec.url, spec.headers, spec.name)
    return RecoveringStreamableHttp(spec.url, spec.headers, spec.name)


def compile_yaml(source: str, router: ModelRouter) -> CompiledWorkflow:
    try:
        raw = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise invalid(f"The YAML does not parse: {exc}") from exc
    if not isinstance(raw, dict):
        raise invalid("A YAML definition must be a mapping with an 'agents' list.")
    try:
        spec = WorkflowSpec.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise invalid(f"Invalid definition at '{_where(first['loc'])}': {first['msg']}.") from exc
    state = parse_state(spec.state_variables)
    by_name: dict[str, Agent[Any]] = {}
    servers: list[MCPServer] = []
    for n, agent_spec in enumerate(spec.agents):
        if agent_spec.name in by_name:
            raise invalid(f"agents[{n}]: the agent name '{agent_spec.name}' is used twice.")
        tools = [_tool(t, f"agents[{n}].tools[{i}]") for i, t in enumerate(agent_spec.tools)]
        client_names = [t.client.name for t in agent_spec.tools if t.client is not None]
        try:
            settings = ModelSettings(**agent_spec.model_settings)
        except TypeError as exc:
            raise invalid(f"agents[{n}].model_settings: {exc}.") from exc
        agent_servers = [_mcp(s) for s in agent_spec.mcp_servers]
        servers.extend(agent_servers)
        by_name[agent_spec.name] = Agent(
            name=agent_spec.name,
            instructions=agent_spec.instructions,
            handoff_description=agent_spec.handoff_description,
            model=agent_spec.model,
            model_settings=settings,
            tools=tools,
            mcp_servers=agent_servers,
            input_guardrails=[
                blocklist_input_guardrail(g.name, g.blocked_words, g.message) for g in agent_spec.guardrails.input
            ],
            output_guardrails=[
                blocklist_output_guardrail(g.name, g.blocked_words, g.message) for g in agent_spec.guardrails.output
            ],
            tool_use_behavior=StopAtTools(stop_at_tool_names=client_names) if client_names else "run_llm_again",
        )
    for n, agent_spec in enumerate(spec.agents):
        for target in agent_spec.handoffs:
            if target not in by_name:
                raise invalid(f"agents[{n}].handoffs: no agent named '{target}'.")
            by_name[agent_spec.name].handoffs.append(by_name[target])
    start_name = spec.start or spec.agents[0].name
    if start_name not in by_name:
        raise invalid(f"start: no agent named '{start_name}'.")
    agents = list(by_name.values())
    names = bind_agents(agents, router)
    return CompiledWorkflow(
        kind=KIND_AGENTS,
        start=by_name[start_name],
        agents=agents,
        state=state,
        models=spec.models or names,
        mcp_servers=servers,
        client_tools=frozenset(t.client.name for a in spec.agents for t in a.tools if t.client is not None),
        attachments=parse_budget(spec.attachments),
    )
