"""The engine's fast path (``workflows/single_call.py``) against the Runner path, on the same workflow.

A text-only agent is run with one direct model call; the same agent as a subclass of ``Agent`` (which the
fast path refuses, so the Runner runs it) or with a tool it never calls must give the same observable
turn: ChatKit events (ids aside), the requests the model received, spans and usage.
"""

from __future__ import annotations

from typing import Any

import pytest
from agents import Agent

from chatkit_host.server.settings import Settings
from chatkit_host.server.workflows import single_call
from chatkit_host.server.workflows.definition import compile_python
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.yaml_definition import compile_yaml
from tests.support.fake_openai import FakeOpenAI, Reply, ToolCall
from tests.support.servers import MakeServer, RunningServer
from tests.support.workflows import APIS, provider_server, publish, reply_text, runtime, trace_spans, traces

PYTHON = """
from agents import Agent

STATE_VARIABLES = {"tier": {"type": "string", "default": "free"}}
MODELS = ["fake-small", "fake-large"]


class RunnerAgent(Agent):
    "The fast path runs only plain Agent instances: a subclass goes through the Runner."


agent = AGENT_CLASS(name="helper", instructions="You help customers on the {{ state.tier }} plan.", model="fake-small")
"""
FAST = PYTHON.replace("AGENT_CLASS", "Agent")
RUNNER = PYTHON.replace("AGENT_CLASS", "RunnerAgent")

YAML = """
models: [fake-small, fake-large]
state_variables:
  tier: {type: string, default: free}
agents:
  - name: helper
    model: fake-small
    instructions: "You help customers on the {{ state.tier }} plan."
"""
YAML_WITH_TOOL = YAML + "    tools: [{builtin: current_time}]\n"

_IDS = ("id", "item_id", "thread_id", "trace_id", "parent_id", "session_id", "call_id")


def _normalized(value: Any, names: dict[str, str]) -> Any:
    """Ids replaced by their order of first appearance, timestamps dropped: what must match across paths."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ("created_at", "started_at", "ended_at", "duration_ms"):
                continue
            if key in _IDS and isinstance(item, str):
                out[key] = names.setdefault(item, f"<id{len(names)}>")
            else:
                out[key] = _normalized(item, names)
        return out
    if isinstance(value, list):
        return [_normalized(v, names) for v in value]
    return value


def _text(text: str, model: str | None = None) -> dict[str, Any]:
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": [],
        "inference_options": {"model": model} if model else {},
    }


def _conversation(server: RunningServer, fake: FakeOpenAI, workflow_id: str, tracing: bool = True) -> dict[str, Any]:
    """Two turns (the second with history and another allowed model); everything observable about them."""
    first = len(fake.requests)
    fake.script(
        Reply(text="Nice to meet you, Ada.", input_tokens=40, output_tokens=6),
        Reply(text="Your name is Ada.", input_tokens=60, output_tokens=5),
    )
    workflow = {"id": workflow_id, "state_variables": {"tier": "gold"}, "tracing": {"enabled": tracing}}
    rt = runtime(server, workflow, user=f"user-{workflow_id}")
    thread_id, turn1 = rt.create_thread("My name is Ada.")
    turn2 = rt.stream("threads.add_user_message", thread_id=thread_id, input=_text("Who am I?", model="fake-large"))
    names: dict[str, str] = {}
    events = [_normalized(e.model_dump(mode="json"), names) for e in turn1 + turn2]
    runs = []
    for trace in sorted(traces(server, thread_id=thread_id), key=lambda t: t["id"]):
        spans = sorted(trace_spans(server, trace["id"]), key=lambda s: s["id"])
        kinds = {s["id"]: s["kind"] for s in spans}
        # Parents by kind: span ids differ per run, the shape of the tree must not.
        shape = [
            {k: v for k, v in s.items() if k != "parent_id"} | {"parent": kinds.get(s["parent_id"])} for s in spans
        ]
        for span in shape:
            if span["kind"] == "run":
                span["name"] = span["name"].replace(f"{workflow_id} ", "<workflow> ")
        trace = {k: v for k, v in trace.items() if k not in ("name", "workflow", "session_id", "user")}
        runs.append(_normalized({"trace": trace, "spans": shape}, {}))
    usage = server.admin().get("/v1/chatkit/usage", params={"group_by": "user"}).json()["data"]
    [row] = [r for r in usage if r["key"] == f"user-{workflow_id}"]
    row = {k: v for k, v in row.items() if k not in ("key", "workflow_id")}
    requests = [(r.path, r.body) for r in fake.requests[first:]]
    return {"events": events, "runs": runs, "usage": row, "requests": requests}


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("tracing", [True, False])
def test_fast_path_and_runner_give_the_same_turns(
    make_server: MakeServer, fake_openai: FakeOpenAI, api: str, tracing: bool
) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, FAST, "fast", fmt="python")
    publish(server, RUNNER, "runner", fmt="python")
    fast = _conversation(server, fake_openai, "fast", tracing)
    runner = _conversation(server, fake_openai, "runner", tracing)
    assert fast["events"] == runner["events"]
    assert fast["requests"] == runner["requests"]
    assert fast["runs"] == runner["runs"]
    assert (
        fast["usage"]
        == runner["usage"]
        == {
            "runs": 2,
            "requests": 2,
            "input_tokens": 100,
            "output_tokens": 11,
            "total_tokens": 111,
        }
    )
    # What the comparison rests on: state templating, history, the per-turn model, spans with tokens.
    (_, first), (_, second) = fast["requests"]
    assert second["model"] == "fake-large"
    text = str(first) + str(second)
    assert "You help customers on the gold plan." in text and "Nice to meet you, Ada." in str(second)
    if tracing:
        spans = [s for run in fast["runs"] for s in run["spans"]]
        assert [(s["kind"], s["parent"]) for s in spans[:3]] == [("run", None), ("agent", "run"), ("model", "agent")]
        assert [(s["model"], s["input_tokens"]) for s in spans if s["kind"] == "model"] == [
            ("fake-small", 40),
            ("fake-large", 60),
        ]
    else:
        assert fast["runs"] == []


def test_fast_path_matches_a_yaml_workflow_with_an_unused_tool(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, YAML, "plain")
    publish(server, YAML_WITH_TOOL, "tooled")
    plain = _conversation(server, fake_openai, "plain")
    tooled = _conversation(server, fake_openai, "tooled")
    assert plain["events"] == tooled["events"]
    assert plain["usage"] == tooled["usage"]
    # The only differences the tool makes: it is offered to the model and listed on the agent's span.
    for (_, fast_body), (_, runner_body) in zip(plain["requests"], tooled["requests"], strict=True):
        assert [t["function"]["name"] for t in runner_body.pop("tools")] == ["current_time"]
        runner_body.pop("parallel_tool_calls", None)
        assert fast_body == runner_body
    for run in tooled["runs"]:
        for span in run["spans"]:
            if span["kind"] == "agent":
                assert span["data"]["tools"] == ["current_time"]
                span["data"]["tools"] = []
    assert plain["runs"] == tooled["runs"]


@pytest.mark.parametrize("api", APIS)
def test_tool_call_history_reaches_both_paths_alike(make_server: MakeServer, fake_openai: FakeOpenAI, api: str) -> None:
    """A floating session whose thread holds a client tool call from version 1 continues on version 2."""
    server = provider_server(make_server, fake_openai, api)
    client_tool = "    tools: [{client: {name: get_location}}]\n"
    seen = []
    for workflow_id, v2 in (("plain", YAML), ("tooled", YAML_WITH_TOOL)):
        publish(server, YAML + client_tool, workflow_id)
        rt = runtime(server, {"id": workflow_id, "state_variables": {"tier": "gold"}})
        fake_openai.script(Reply(tool_calls=[ToolCall("get_location", {}, call_id="call_loc1")]))
        thread_id, _ = rt.create_thread("Where am I?")
        publish(server, v2, workflow_id)
        fake_openai.script(Reply(text="You are in Oslo."))
        events = rt.stream("threads.add_client_tool_output", thread_id=thread_id, result={"city": "Oslo"})
        body = dict(fake_openai.requests[-1].body)
        body.pop("tools", None)
        body.pop("parallel_tool_calls", None)
        seen.append(([_normalized(e.model_dump(mode="json"), {}) for e in events], body))
    assert seen[0] == seen[1]
    assert "Oslo" in str(seen[0][1]) and "get_location" in str(seen[0][1])


@pytest.mark.parametrize("api", APIS)
def test_a_model_failure_is_reported_the_same_way(make_server: MakeServer, fake_openai: FakeOpenAI, api: str) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, FAST, "fast", fmt="python")
    publish(server, RUNNER, "runner", fmt="python")
    seen = []
    for workflow_id in ("fast", "runner"):
        fake_openai.script(Reply(error_status=400))
        rt = runtime(server, {"id": workflow_id})
        thread_id, events = rt.create_thread("hello")
        [trace] = traces(server, thread_id=thread_id)
        spans = sorted(trace_spans(server, trace["id"]), key=lambda s: s["id"])
        seen.append(
            (
                [_normalized(e.model_dump(mode="json"), {}) for e in events][1:],
                (trace["status"], trace["error"]),
                [(s["kind"], s["error"]) for s in spans],
            )
        )
    assert seen[0] == seen[1]
    assert seen[0][1][0] == "error" and "BadRequestError" in seen[0][1][1]


def _compiled_yaml(source: str) -> Any:
    router = ModelRouter(Settings(openai_base_url="http://127.0.0.1:9/v1", openai_api="chat_completions"))
    return compile_yaml(source, router)


@pytest.mark.parametrize(
    ("extra", "fast"),
    [
        ("", True),
        ("    model_settings: {temperature: 0.2}\n", True),
        ("    tools: [{builtin: current_time}]\n", False),
        ("    tools: [{client: {name: pick}}]\n", False),
        ("    guardrails: {input: [{name: g, blocked_words: [x]}]}\n", False),
        ("    guardrails: {output: [{name: g, blocked_words: [x]}]}\n", False),
        ("    handoffs: [other]\n  - name: other\n", False),
        ("    mcp_servers: [{name: m, url: 'http://127.0.0.1:9/mcp'}]\n", False),
        ("    model_settings: {timeout: 5}\n", False),
    ],
)
def test_which_workflows_take_the_fast_path(extra: str, fast: bool) -> None:
    compiled = _compiled_yaml(YAML + extra)
    assert (compiled.single_call is not None) is fast
    if fast:
        # Decided once per compiled version, with the model settings the Runner would resolve.
        assert compiled.single_call.model_settings.include_usage is True


def test_python_definitions_take_the_fast_path_only_for_plain_text_agents() -> None:
    router = ModelRouter(Settings(openai_base_url="http://127.0.0.1:9/v1", openai_api="chat_completions"))
    assert compile_python(FAST, "chatkit_host_test_fast", router).single_call is not None
    assert compile_python(RUNNER, "chatkit_host_test_runner", router).single_call is None
    structured = FAST + "\nfrom pydantic import BaseModel\nclass Out(BaseModel):\n    x: int\nagent.output_type = Out\n"
    assert compile_python(structured, "chatkit_host_test_structured", router).single_call is None
    assert isinstance(compile_python(FAST, "chatkit_host_test_fast2", router).start, Agent)


def test_fast_path_on_the_offline_model(make_server: MakeServer) -> None:
    server = make_server()
    publish(server, YAML, "plain")
    rt = runtime(server, {"id": "plain", "state_variables": {"tier": "gold"}})
    thread_id, events = rt.create_thread("hello")
    assert "[offline stand-in model]" in reply_text(events)
    [trace] = traces(server, thread_id=thread_id)
    assert [s["kind"] for s in sorted(trace_spans(server, trace["id"]), key=lambda s: s["id"])] == [
        "run",
        "agent",
        "model",
    ]


def test_borrowed_sdk_helpers_fit_the_installed_sdk_and_a_changed_signature_is_refused() -> None:
    # The installed openai-agents must still take our calls, or every text-only turn silently goes slow.
    assert single_call.SDK_INTERNALS_FOUND

    def helper(kind: str, event: object, *, trace_include_sensitive_data: bool) -> None: ...

    assert single_call.calls_fit([(helper, 2, ("trace_include_sensitive_data",))])
    assert not single_call.calls_fit([(helper, 2, ())])  # a new required keyword
    assert not single_call.calls_fit([(helper, 3, ("trace_include_sensitive_data",))])  # one positional fewer
    assert not single_call.calls_fit([(helper, 2, ("include_data",))])  # a renamed keyword
