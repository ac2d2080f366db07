"""Workflows answering in threads over ``POST /chatkit``, on the real provider path against a fake OpenAI server.

Every model call goes through the ``openai`` client to ``tests/fake_openai.py`` over HTTP (streaming SSE,
Chat Completions or Responses), so what we assert on is the request the "model" actually received.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from chatkit.types import ClientToolCallItem

from tests.support.fake_openai import FakeOpenAI, Reply, ToolCall
from tests.support.runtime import text_input
from tests.support.servers import MakeServer, serve_in_thread
from tests.support.workflows import (
    APIS,
    SUPPORT,
    inventory_mcp_server,
    provider_server,
    publish,
    reply_text,
    runtime,
    trace_spans,
    traces,
)


@pytest.mark.parametrize("api", APIS)
def test_server_tool_round_trip_and_state_in_instructions(
    make_server: MakeServer, fake_openai: FakeOpenAI, api: str
) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, SUPPORT, "support")
    fake_openai.script(Reply(tool_calls=[ToolCall("get_state", {"name": "tier"})]), Reply(text="You are on gold."))
    rt = runtime(server, {"id": "support", "state_variables": {"tier": "gold"}})
    _, events = rt.create_thread("Which plan am I on?")
    assert reply_text(events) == "You are on gold."
    first, second = fake_openai.requests
    assert first.api == api and first.body["model"] == "fake-small" and first.body["stream"] is True
    assert "You help Acme customers on the gold plan." in first.system_text()
    # The tool ran on the server and its output went back to the model in the next request.
    assert '"gold"' in second.transcript()
    # Progress is shown as a workflow item with the tool's task, completed.
    workflows = [e.item for e in events if e.type == "thread.item.done" and e.item.type == "workflow"]
    assert workflows and workflows[0].workflow.tasks[0].title == "Calling get_state"
    assert workflows[0].workflow.tasks[0].status_indicator == "complete"


@pytest.mark.parametrize("api", APIS)
def test_client_tool_round_trip(make_server: MakeServer, fake_openai: FakeOpenAI, api: str) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, SUPPORT, "support")
    fake_openai.script(Reply(tool_calls=[ToolCall("get_location", {"precise": True}, call_id="call_loc1")]))
    rt = runtime(server, {"id": "support"})
    thread_id, events = rt.create_thread("Where am I?")
    calls = [e.item for e in events if e.type == "thread.item.done" and isinstance(e.item, ClientToolCallItem)]
    assert len(calls) == 1
    assert (calls[0].name, calls[0].arguments, calls[0].status) == ("get_location", {"precise": True}, "pending")
    assert calls[0].call_id == "call_loc1"
    assert len(fake_openai.requests) == 1  # the agent stopped at the client tool

    fake_openai.script(Reply(text="You are in Oslo."))
    events = rt.stream("threads.add_client_tool_output", thread_id=thread_id, result={"city": "Oslo"})
    assert reply_text(events) == "You are in Oslo."
    follow_up = fake_openai.requests[1].transcript()
    assert "Oslo" in follow_up and "Where am I?" in follow_up
    rest = list(server.openai().beta.chatkit.threads.list_items(thread_id, order="asc"))
    assert [i.type for i in rest] == ["chatkit.user_message", "chatkit.client_tool_call", "chatkit.assistant_message"]


@pytest.mark.parametrize("api", APIS)
def test_handoff_reaches_the_second_agent(make_server: MakeServer, fake_openai: FakeOpenAI, api: str) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, SUPPORT, "support")
    fake_openai.script(Reply(tool_calls=[ToolCall("transfer_to_billing", {})]), Reply(text="Billing here."))
    rt = runtime(server, {"id": "support", "state_variables": {"tier": "pro"}})
    thread_id, events = rt.create_thread("I need a refund")
    assert reply_text(events) == "Billing here."
    assert "BILLING DESK for the pro plan." in fake_openai.requests[1].system_text()
    [trace] = traces(server, thread_id=thread_id)
    kinds = [(s["kind"], s["name"]) for s in trace_spans(server, trace["id"])]
    assert ("handoff", "triage -> billing") in kinds
    assert ("agent", "triage") in kinds and ("agent", "billing") in kinds


def test_guardrail_stops_the_reply_before_the_model(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, SUPPORT, "support")
    rt = runtime(server, {"id": "support"})
    thread_id, events = rt.create_thread("my CVV is 123")
    assert reply_text(events) == "Never share card details here."
    assert fake_openai.requests == []
    [trace] = traces(server, thread_id=thread_id)
    assert trace["status"] == "guardrail"
    guardrails = [s for s in trace_spans(server, trace["id"]) if s["kind"] == "guardrail"]
    assert guardrails and guardrails[0]["name"] == "no_cards" and guardrails[0]["data"]["triggered"] is True


@pytest.mark.parametrize("api", APIS)
def test_multi_turn_history_reaches_the_model(make_server: MakeServer, fake_openai: FakeOpenAI, api: str) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, SUPPORT, "support")
    fake_openai.script(Reply(text="Nice to meet you, Ada."), Reply(text="Your name is Ada."))
    rt = runtime(server, {"id": "support"})
    thread_id, _ = rt.create_thread("My name is Ada.")
    events = rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("What is my name?"))
    assert reply_text(events) == "Your name is Ada."
    transcript = fake_openai.requests[1].transcript()
    assert transcript.index("My name is Ada.") < transcript.index("Nice to meet you, Ada.")
    assert transcript.index("Nice to meet you, Ada.") < transcript.index("What is my name?")


def test_pinned_version_survives_a_newer_publish(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, SUPPORT, "support")
    pinned = runtime(server, {"id": "support", "version": "1"})
    floating = runtime(server, {"id": "support"})
    publish(server, SUPPORT.replace("You help", "VERSION TWO helps"), "support")
    pinned.create_thread("hi")
    floating.create_thread("hi")
    assert "You help Acme" in fake_openai.requests[0].system_text()
    assert "VERSION TWO helps" in fake_openai.requests[1].system_text()
    versions = {t["session_id"]: t["workflow"]["version"] for t in traces(server, workflow_id="support")}
    assert versions == {pinned.session["id"]: "1", floating.session["id"]: "2"}
    assert len(traces(server, workflow_id="support", workflow_version="1")) == 1


def test_tracing_on_records_spans_with_tokens_and_off_records_none(
    make_server: MakeServer, fake_openai: FakeOpenAI, backend: str
) -> None:
    server = provider_server(make_server, fake_openai, backend=backend)
    publish(server, SUPPORT, "support")
    fake_openai.script(
        Reply(tool_calls=[ToolCall("get_state", {"name": "company"})], input_tokens=100, output_tokens=20),
        Reply(text="Acme.", input_tokens=130, output_tokens=5),
    )
    on = runtime(server, {"id": "support"}, user="traced")
    thread_id, _ = on.create_thread("Which company?")
    [trace] = traces(server, session_id=on.session["id"])
    assert (trace["status"], trace["thread_id"], trace["user"]) == ("completed", thread_id, "traced")
    assert trace["usage"] == {"input_tokens": 230, "output_tokens": 25, "total_tokens": 255}
    spans = trace_spans(server, trace["id"])
    root = [s for s in spans if s["kind"] == "run"]
    assert len(root) == 1 and root[0]["parent_id"] is None
    models = [s for s in spans if s["kind"] == "model"]
    assert [(s["model"], s["input_tokens"], s["output_tokens"]) for s in models] == [
        ("fake-small", 100, 20),
        ("fake-small", 130, 5),
    ]
    assert all(s["duration_ms"] >= 0 and s["data"]["api"] == "chat_completions" for s in models)
    tools = [s for s in spans if s["kind"] == "tool"]
    assert [t["name"] for t in tools] == ["get_state"] and '"Acme"' in tools[0]["data"]["output"]
    ids_ = {s["id"] for s in spans}
    assert all(s["parent_id"] in ids_ for s in spans if s["kind"] != "run")

    off = runtime(server, {"id": "support", "tracing": {"enabled": False}}, user="untraced")
    off.create_thread("hello")
    assert traces(server, session_id=off.session["id"]) == []
    # Usage is summed with tracing off too.
    usage = server.admin().get("/v1/chatkit/usage", params={"group_by": "user"}).json()
    by_user = {row["key"]: row for row in usage["data"]}
    assert by_user["traced"]["total_tokens"] == 255 and by_user["traced"]["requests"] == 2
    assert by_user["untraced"]["input_tokens"] == 11 and by_user["untraced"]["runs"] == 1
    per_version = server.admin().get("/v1/chatkit/usage", params={"group_by": "workflow_version"}).json()
    assert per_version["data"][0] == {
        "key": "1",
        "workflow_id": "support",
        "runs": 2,
        "requests": 3,
        "input_tokens": 241,
        "output_tokens": 32,
        "total_tokens": 273,
    }


def test_inference_options_model_is_limited_to_the_allowed_models(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, SUPPORT, "support")
    rt = runtime(server, {"id": "support"})
    events = rt.stream("threads.create", input=text_input("hi", model="fake-large"))
    assert reply_text(events).startswith("fake reply")
    assert fake_openai.requests[-1].body["model"] == "fake-large"
    refused = rt.stream("threads.create", input=text_input("hi", model="gpt-5-secret"))
    errors = [e for e in refused if e.type == "error"]
    assert errors and "not allowed" in (errors[0].message or "") and "fake-small, fake-large" in errors[0].message
    assert len(fake_openai.requests) == 1


def test_offline_model_answers_without_a_provider(make_server: MakeServer) -> None:
    server = make_server()
    publish(server, SUPPORT, "support")
    rt = runtime(server, {"id": "support"})
    _, events = rt.create_thread("hello")
    assert "[offline stand-in model]" in reply_text(events)


def test_widget_from_a_builtin_tool(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, "agents:\n  - name: a\n    tools: [{builtin: show_card}]\n", "cards")
    fake_openai.script(
        Reply(tool_calls=[ToolCall("show_card", {"title": "Order A100", "body": "Shipped Monday"})]),
        Reply(text="Here is your order."),
    )
    rt = runtime(server, {"id": "cards"})
    thread_id, events = rt.create_thread("show my order")
    widgets = [e.item for e in events if e.type == "thread.item.done" and e.item.type == "widget"]
    assert len(widgets) == 1 and widgets[0].copy_text == "Order A100\nShipped Monday"
    assert [c.value for c in widgets[0].widget.children] == ["Order A100", "Shipped Monday"]
    assert reply_text(events) == "Here is your order."
    kinds = [i.type for i in server.openai().beta.chatkit.threads.list_items(thread_id, order="asc")]
    assert "chatkit.widget" in kinds


@pytest.fixture
def mcp_inventory() -> Iterator[str]:
    """A real MCP server (streamable HTTP) with one tool; set up before the app so it outlives it."""
    with serve_in_thread(inventory_mcp_server().streamable_http_app()) as url:
        yield url + "/mcp"


def test_mcp_server_tools_from_the_definition(
    mcp_inventory: str, make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = provider_server(make_server, fake_openai)
    source = f"agents:\n  - name: a\n    mcp_servers: [{{name: inventory, url: '{mcp_inventory}'}}]\n"
    publish(server, source, "stock")
    fake_openai.script(Reply(tool_calls=[ToolCall("stock_level", {"sku": "X1"})]), Reply(text="42 left."))
    rt = runtime(server, {"id": "stock"})
    thread_id, events = rt.create_thread("How many X1?")
    assert reply_text(events) == "42 left."
    first, second = fake_openai.requests
    assert [t["function"]["name"] for t in first.body["tools"]] == ["stock_level"]
    assert "X1: 42 units" in second.transcript()
    [trace] = traces(server, thread_id=thread_id)
    kinds = {s["kind"] for s in trace_spans(server, trace["id"])}
    assert {"mcp", "tool", "model", "agent", "run"} <= kinds


def test_model_failure_ends_the_turn_with_an_error_event(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, SUPPORT, "support")
    fake_openai.script(Reply(error_status=400))
    rt = runtime(server, {"id": "support"})
    thread_id, events = rt.create_thread("hello")
    errors = [e for e in events if e.type == "error"]
    # What happened, in words: never the exception's class name (issue 14).
    assert len(errors) == 1 and errors[0].allow_retry and "HTTP 400" in (errors[0].message or "")
    assert "BadRequestError" not in (errors[0].message or "")
    assert "scripted failure" not in (errors[0].message or "")  # details stay in the trace
    [trace] = traces(server, thread_id=thread_id)
    assert trace["status"] == "error" and "scripted failure" in trace["error"]
    model = [s for s in trace_spans(server, trace["id"]) if s["kind"] == "model"]
    assert model[0]["error"] and "scripted failure" in model[0]["error"]


PYTHON_DEFINITION = '''
from agents import Agent, RunContextWrapper, function_tool

STATE_VARIABLES = {"tier": {"type": "string", "default": "free"}, "seats": {"type": "integer", "default": 1}}
MODELS = ["fake-small"]


@function_tool
def plan_summary(ctx: RunContextWrapper) -> str:
    """Summarise the customer's plan."""
    state = ctx.context.state_object
    return f"{state.tier} plan with {state.seats * 2} half-seats"


agent = Agent(name="py", instructions="Plan: {{ state.tier }}", model="fake-small", tools=[plan_summary])
'''


def test_python_definition_tools_read_typed_state(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai)
    version = publish(server, PYTHON_DEFINITION, "py", fmt="python")
    assert (version["kind"], version["agents"], version["models"]) == ("agents", ["py"], ["fake-small"])
    fake_openai.script(Reply(tool_calls=[ToolCall("plan_summary", {})]), Reply(text="Team plan."))
    rt = runtime(server, {"id": "py", "state_variables": {"tier": "team", "seats": 5}})
    _, events = rt.create_thread("What is my plan?")
    assert reply_text(events) == "Team plan."
    first, second = fake_openai.requests
    assert "Plan: team" in first.system_text()
    # The tool got the typed object: seats is an int it could do arithmetic with.
    assert "team plan with 10 half-seats" in second.transcript()


# The second is a text-only agent: the engine's fast path (``workflows/single_call.py``) runs it.
@pytest.mark.parametrize("source", [SUPPORT, "agents:\n  - name: plain\n    model: fake-small\n"])
def test_client_disconnect_cancels_the_run_and_records_it(
    make_server: MakeServer, fake_openai: FakeOpenAI, source: str
) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, source, "support")
    fake_openai.script(Reply(text="a long answer " * 50, chunk_delay=0.02))  # about 4 s of streaming
    rt = runtime(server, {"id": "support"})
    body = {"type": "threads.create", "params": {"input": text_input("a slow question")}}
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        for line in response.iter_lines():
            if "assistant_message.content_part.text_delta" in line:
                break  # leaving the block closes the connection mid-answer
    deadline = time.monotonic() + 10
    found: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not found:
        found = traces(server, session_id=rt.session["id"])
        time.sleep(0.05)
    assert [t["status"] for t in found] == ["cancelled"]
    assert found[0]["ended_at"] - found[0]["started_at"] < 3


def test_output_guardrail_replaces_the_streamed_reply(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai, api="responses")
    source = (
        "agents:\n  - name: a\n    guardrails:\n      output:\n"
        "        - {name: no_internal, blocked_words: [internal-only], message: Redacted.}\n"
    )
    publish(server, source, "guarded")
    fake_openai.script(Reply(text="The internal-only price is 3."))
    rt = runtime(server, {"id": "guarded"})
    thread_id, events = rt.create_thread("price?")
    # The leaked answer (the first assistant message started, finished or not when the guardrail tripped) ...
    started = [e.item.id for e in events if e.type == "thread.item.added" and e.item.type == "assistant_message"]
    removed = [e.item_id for e in events if e.type == "thread.item.removed"]
    assert removed == started[:1]  # ... is taken back ...
    assert reply_text(events) == "Redacted."  # ... and replaced by the guardrail's message
    items = list(server.openai().beta.chatkit.threads.list_items(thread_id, order="asc"))
    assert [i.content[0].text for i in items if i.type == "chatkit.assistant_message"] == ["Redacted."]
    [trace] = traces(server, thread_id=thread_id)
    assert trace["status"] == "guardrail"


def test_concurrent_runs_keep_their_own_state(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    from concurrent.futures import ThreadPoolExecutor

    server = provider_server(make_server, fake_openai)
    publish(server, SUPPORT, "support")
    tiers = [f"tier{n}" for n in range(6)]
    runtimes = [runtime(server, {"id": "support", "state_variables": {"tier": t}}, user=t) for t in tiers]
    fake_openai.script(*[Reply(text=f"answer {n}", chunk_delay=0.005) for n in range(len(tiers))])
    with ThreadPoolExecutor(len(tiers)) as pool:
        results = list(
            pool.map(lambda pair: pair[0].create_thread(f"I am {pair[1]}"), zip(runtimes, tiers, strict=True))
        )
    for _, events in results:
        deltas = "".join(
            e.update.delta for e in events if e.type == "thread.item.updated" and e.update.type.endswith("delta")
        )
        assert deltas == reply_text(events)
    assert len(fake_openai.requests) == len(tiers)
    for request in fake_openai.requests:
        said = request.transcript().split("I am ")[1].split()[0]
        assert f"on the {said} plan" in request.system_text()
    per_user = server.admin().get("/v1/chatkit/usage", params={"group_by": "user"}).json()["data"]
    assert sorted(row["key"] for row in per_user) == tiers


def test_thread_title_comes_from_the_workflow_model(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, SUPPORT, "support")
    fake_openai.script(
        Reply(text="Your order shipped.", input_tokens=100, output_tokens=20),
        Reply(text='"Order A100 shipping status"\nextra', input_tokens=40, output_tokens=5),
    )
    rt = runtime(server, {"id": "support"}, titles=True)
    thread_id, events = rt.create_thread("Where is order A100?")
    assert events[-1].type == "thread.updated" and events[-1].thread.title == "Order A100 shipping status"
    title_request = fake_openai.requests[1]
    assert title_request.body["model"] == "fake-small" and "title" in title_request.system_text()
    assert "Your order shipped." in title_request.transcript()
    assert server.openai().beta.chatkit.threads.retrieve(thread_id).title == "Order A100 shipping status"
    # The title call counts in the thread's usage with the reply's.
    per_thread = server.admin().get("/v1/chatkit/usage", params={"group_by": "thread"}).json()["data"]
    row = next(r for r in per_thread if r["key"] == thread_id)
    assert (row["requests"], row["input_tokens"], row["output_tokens"]) == (2, 140, 25)
