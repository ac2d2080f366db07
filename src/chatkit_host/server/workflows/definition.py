"""A workflow version compiled from its source: the agents to run, or an exported ``run_workflow``.

Python sources are executed as a fresh module per version (publishing Python is code execution on the
server, which is why publishing needs the admin key). A module shaped like Agent Builder's export
(``WorkflowInput`` + ``async def run_workflow``) runs as-is: its module-level agents get our models bound
in place, so its own ``Runner.run`` calls go through our providers and see the thread's history.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any

from agents import Agent, FunctionTool, RunContextWrapper
from agents.mcp import MCPServer
from pydantic import BaseModel, ValidationError

from chatkit_host.server.workflows.attachment_input import AttachmentBudget
from chatkit_host.server.workflows.export_stream import ProgressHooks
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.python_load import execute, invalid
from chatkit_host.server.workflows.run_context import current_run
from chatkit_host.server.workflows.single_call import SingleCall, plan_single_call
from chatkit_host.server.workflows.state import check_declaration, has_template, render, state_model
from chatkit_host.types.workflows import StateVariable

KIND_AGENTS = "agents"
KIND_EXPORT = "agent_builder_export"


@dataclass
class CompiledWorkflow:
    kind: str
    start: Agent[Any] | None
    agents: list[Agent[Any]]
    #: Declared state variables; None when the definition declares none, so any values are accepted.
    state: dict[str, StateVariable] | None
    #: Models ``inference_options.model`` may choose; empty means only the definition's own.
    models: list[str]
    run_workflow: Callable[[Any], Coroutine[Any, Any, Any]] | None = None
    workflow_input: type[BaseModel] | None = None
    mcp_servers: list[MCPServer] = field(default_factory=list)
    #: Names of tools the browser runs (``client_tool_call`` items).
    client_tools: frozenset[str] = frozenset()
    #: How much of the users' attachments its model calls carry (``attachment_input.py``).
    attachments: AttachmentBudget = field(default_factory=AttachmentBudget)
    _state_type: type[BaseModel] | None = field(default=None, repr=False)
    #: One model call without the Runner, when the starting agent can only answer in text (``single_call.py``).
    single_call: SingleCall | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.kind == KIND_AGENTS and self.start is not None:
            self.single_call = plan_single_call(self.start)

    def state_type(self) -> type[BaseModel]:
        """The typed state object's class, built once per compiled version (pydantic models are costly)."""
        if self._state_type is None:
            self._state_type = state_model(self.state or {})
        return self._state_type

    def summary(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "agents": [a.name for a in self.agents],
            "models": self.models,
            "state_variables": (
                None if self.state is None else {k: v.model_dump(exclude_none=True) for k, v in self.state.items()}
            ),
        }


def sha256(source: str) -> str:
    return hashlib.sha256(source.encode()).hexdigest()


def reachable_agents(roots: Iterable[Agent[Any]]) -> list[Agent[Any]]:
    """Every agent reachable through handoffs, each once, in discovery order."""
    seen: dict[int, Agent[Any]] = {}
    stack = list(roots)
    while stack:
        agent = stack.pop(0)
        if id(agent) in seen:
            continue
        seen[id(agent)] = agent
        stack.extend(h for h in agent.handoffs if isinstance(h, Agent))
    return list(seen.values())


def _templated(text: str) -> Callable[[RunContextWrapper[Any], Agent[Any]], str]:
    def instructions(ctx: RunContextWrapper[Any], agent: Agent[Any]) -> str:
        run = current_run()
        return render(text, run.state if run else {})

    return instructions


def bind_agents(agents: list[Agent[Any]], router: ModelRouter) -> list[str]:
    """Give every agent a ``HostModel`` and templated instructions; returns the model names they name."""
    names: list[str] = []
    for agent in agents:
        if isinstance(agent.model, str) or agent.model is None:
            if agent.model and agent.model not in names:
                names.append(agent.model)
            # Hosted tools (web search, file search, code interpreter, ...) exist only on the Responses API:
            # such an agent takes it even where the server's default is Chat Completions.
            hosted = any(not isinstance(tool, FunctionTool) for tool in agent.tools)
            agent.model = router.bind(agent.model, "responses" if hosted else None)
        if isinstance(agent.instructions, str) and has_template(agent.instructions):
            agent.instructions = _templated(agent.instructions)
    return names


def parse_state(raw: Any) -> dict[str, StateVariable] | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise invalid("state_variables must be a mapping of name to {type, default, description}.")
    declared: dict[str, StateVariable] = {}
    for name, spec in raw.items():
        if not isinstance(name, str) or not name.isidentifier():
            raise invalid(f"State variable name {name!r} must be an identifier.")
        try:
            declared[name] = StateVariable.model_validate(spec)
        except ValidationError as exc:
            raise invalid(f"State variable '{name}': {exc.errors()[0]['msg']}.") from exc
        check_declaration(name, declared[name])
    return declared


def parse_budget(raw: Any) -> AttachmentBudget:
    try:
        return AttachmentBudget.parse(raw)
    except ValueError as exc:
        raise invalid(f"{exc}.") from exc


def _string_list(raw: Any, what: str) -> list[str]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        raise invalid(f"{what} must be a list of strings.")
    return list(raw)


def compile_python(source: str, module_name: str, router: ModelRouter) -> CompiledWorkflow:
    # Its OpenAI clients bound to the server's provider, a failure a 400 naming the line (python_load.py).
    namespace = execute(source, module_name, router).__dict__
    state = parse_state(namespace.get("STATE_VARIABLES"))
    budget = parse_budget(namespace.get("ATTACHMENTS"))
    allowed = _string_list(namespace.get("MODELS"), "MODELS")
    module_agents = [v for v in namespace.values() if isinstance(v, Agent)]
    run_workflow = namespace.get("run_workflow")
    workflow_input = namespace.get("WorkflowInput")
    if callable(run_workflow) and inspect.iscoroutinefunction(run_workflow):
        if not (isinstance(workflow_input, type) and issubclass(workflow_input, BaseModel)):
            raise invalid("A module with run_workflow must define a pydantic WorkflowInput model.")
        if "input_as_text" not in workflow_input.model_fields:
            raise invalid("WorkflowInput must have an input_as_text field.")
        agents = reachable_agents(module_agents)
        names = bind_agents(agents, router)
        progress = ProgressHooks()
        for agent in agents:
            if agent.hooks is None:  # an export's own hooks stay; it then shows no progress for that agent
                agent.hooks = progress
        return CompiledWorkflow(
            kind=KIND_EXPORT,
            start=None,
            agents=agents,
            state=state,
            models=allowed or names,
            run_workflow=run_workflow,
            workflow_input=workflow_input,
            attachments=budget,
        )
    start = namespace.get("starting_agent") or namespace.get("agent")
    if not isinstance(start, Agent):
        raise invalid(
            "A Python definition needs a module-level Agent named 'agent' (or 'starting_agent'), "
            "or an Agent Builder export with WorkflowInput and async run_workflow."
        )
    agents = reachable_agents([start, *module_agents])
    names = bind_agents(agents, router)
    return CompiledWorkflow(
        kind=KIND_AGENTS, start=start, agents=agents, state=state, models=allowed or names, attachments=budget
    )


def builtin_default(router: ModelRouter) -> CompiledWorkflow:
    """The ``default`` workflow: one helpful assistant on the server's default model."""
    agent: Agent[Any] = Agent(
        name="Assistant",
        instructions="You are a helpful assistant. Answer clearly and concisely.",
        model=router.bind(None),
    )
    return CompiledWorkflow(kind=KIND_AGENTS, start=agent, agents=[agent], state=None, models=[router.default_model])
