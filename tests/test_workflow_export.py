"""Agent Builder's export shape (``../shared/examples/agent_builder_export.py``) registers and answers unedited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from chatkit.types import AssistantMessageItem

from tests.support.fake_openai import FakeOpenAI, Reply, ToolCall
from tests.support.runtime import EVENT, Runtime, text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.workflows import publish, reply_text, runtime, traces

EXPORT = Path(__file__).resolve().parents[2] / "shared" / "examples" / "agent_builder_export.py"


@pytest.fixture
def export_source() -> str:
    if not EXPORT.is_file():
        pytest.skip(f"{EXPORT} is absent (the shared examples are not checked out beside the repository)")
    return EXPORT.read_text(encoding="utf-8")


def test_export_registers_and_answers_offline(make_server: MakeServer, export_source: str) -> None:
    server = make_server()
    version = publish(server, export_source, "acme", fmt="python")
    assert version["kind"] == "agent_builder_export"
    assert version["agents"] == ["Triage", "Orders", "General"]
    assert version["models"] == ["gpt-4.1-mini", "gpt-4.1"]
    rt = runtime(server, {"id": "acme"})
    _, events = rt.create_thread("Where is my order A100?")
    # The offline model returns schema-valid triage output, so the export runs to its end.
    assert "[offline stand-in model]" in reply_text(events)


def test_export_runs_on_the_provider_with_thread_history(
    make_server: MakeServer, fake_openai: FakeOpenAI, export_source: str
) -> None:
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", openai_api="chat_completions")
    publish(server, export_source, "acme", fmt="python")
    fake_openai.script(
        Reply(text='{"category":"orders"}'),
        Reply(tool_calls=[ToolCall("lookup_order", {"order_id": "A100"})]),
        Reply(text="Order A100 shipped on Monday."),
    )
    rt = runtime(server, {"id": "acme"})
    thread_id, events = rt.create_thread("Where is my order A100?")
    assert reply_text(events) == "Order A100 shipped on Monday."
    triage, orders, orders_after_tool = fake_openai.requests
    assert triage.body["model"] == "gpt-4.1-mini" and "Classify the user's latest message" in triage.system_text()
    assert triage.body["response_format"]["type"] == "json_schema"
    assert orders.body["model"] == "gpt-4.1" and "help customers with their orders" in orders.system_text()
    assert "shipped on Monday" in orders_after_tool.transcript()  # the export's own tool ran

    fake_openai.script(Reply(text='{"category":"general"}'), Reply(text="You asked about A100."))
    events = rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("What did I ask?"))
    assert reply_text(events) == "You asked about A100."
    second_triage, general = fake_openai.requests[3:]
    for request in (second_triage, general):
        transcript = request.transcript()
        # Earlier turns come first, although the export itself passes only the latest message.
        assert transcript.index("Where is my order A100?") < transcript.index("Order A100 shipped on Monday.")
        assert transcript.index("Order A100 shipped on Monday.") < transcript.index("What did I ask?")
    [first_trace, _] = sorted(traces(server, thread_id=thread_id), key=lambda t: t["id"])
    spans = server.admin().get(f"/v1/chatkit/traces/{first_trace['id']}").json()["spans"]
    assert [s["model"] for s in spans if s["kind"] == "model"] == ["gpt-4.1-mini", "gpt-4.1", "gpt-4.1"]
    assert [s["name"] for s in spans if s["kind"] == "tool"] == ["lookup_order"]


def _stream_turn(rt: Runtime, server: RunningServer, text: str) -> tuple[list[Any], list[dict[str, Any]] | None]:
    """A new thread's turn read event by event; also the run's traces as they stood at the first text delta."""
    body = {"type": "threads.create", "params": {"input": text_input(text)}}
    events: list[Any] = []
    traces_at_first_delta: list[dict[str, Any]] | None = None
    with rt.http.stream("POST", "/chatkit", json=body) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if not line.startswith("data: "):
                continue
            event = EVENT.validate_json(line[len("data: ") :])
            events.append(event)
            delta = event.type == "thread.item.updated" and event.update.type.endswith("text_delta")
            if delta and traces_at_first_delta is None:
                # A run's trace is stored when the run ends (the trace endpoint flushes the writer first).
                traces_at_first_delta = traces(server, session_id=rt.session["id"])
    return events, traces_at_first_delta


@pytest.mark.parametrize("api", ["chat_completions", "responses"])
def test_export_reply_streams_while_the_export_runs(
    make_server: MakeServer, fake_openai: FakeOpenAI, export_source: str, api: str
) -> None:
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", openai_api=api)
    publish(server, export_source, "acme", fmt="python")
    answer = "Order A100 shipped on Monday and should arrive within three working days. " * 3
    fake_openai.script(
        Reply(text='{"category":"orders"}'),
        # A preamble before the tool call: streamed, then taken back, since the export returns only the answer.
        Reply(text="Let me check.", tool_calls=[ToolCall("lookup_order", {"order_id": "A100"})]),
        Reply(text=answer, chunk_delay=0.03),  # about 2 s of streaming
    )
    rt = runtime(server, {"id": "acme"})
    events, traces_at_first_delta = _stream_turn(rt, server, "Where is my order A100?")

    # Text arrived in pieces, the first before the run had ended (its trace was not stored yet).
    assert traces_at_first_delta == []
    deltas = [e.update.delta for e in events if e.type == "thread.item.updated" and hasattr(e.update, "delta")]
    assert len(deltas) > 10 and "".join(deltas) == "Let me check." + answer
    # The triage step's JSON is not chat text: it never streamed.
    assert not any("category" in d for d in deltas)

    # The final message is exactly run_workflow's output; the preamble message was removed again.
    assert reply_text(events) == answer
    messages = [e.item for e in events if e.type == "thread.item.done" and isinstance(e.item, AssistantMessageItem)]
    preamble = next(m for m in messages if m.content[0].text == "Let me check.")
    assert [e.item_id for e in events if e.type == "thread.item.removed"] == [preamble.id]
    thread_id = events[0].thread.id
    items = list(server.openai().beta.chatkit.threads.list_items(thread_id, order="asc"))
    assert [i.content[0].text for i in items if i.type == "chatkit.assistant_message"] == [answer]

    # Progress: a task per agent run and per tool call, all complete by the time the workflow item closed.
    workflows = [e.item for e in events if e.type == "thread.item.done" and e.item.type == "workflow"]
    tasks = [(t.title, t.status_indicator) for w in workflows for t in w.workflow.tasks]
    assert tasks == [("Triage", "complete"), ("Orders", "complete"), ("Calling lookup_order", "complete")]
    # Every model call streamed except the structured triage, and usage counts all three.
    assert [r.body.get("stream") is True for r in fake_openai.requests] == [False, True, True]
    [trace] = traces(server, thread_id=thread_id)
    assert trace["status"] == "completed" and trace["usage"]["input_tokens"] == 33


def test_export_model_failure_ends_the_streamed_turn_with_an_error_event(
    make_server: MakeServer, fake_openai: FakeOpenAI, export_source: str
) -> None:
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", openai_api="chat_completions")
    publish(server, export_source, "acme", fmt="python")
    # Triage answers; the answering agent's streamed call fails (every retry of the client too).
    fake_openai.rule = lambda request: Reply(error_status=500) if len(fake_openai.requests) > 1 else None
    fake_openai.script(Reply(text='{"category":"general"}'))
    rt = runtime(server, {"id": "acme"})
    thread_id, events = rt.create_thread("Hello")
    errors = [e for e in events if e.type == "error"]
    assert len(errors) == 1 and errors[0].allow_retry
    assert not [e for e in events if e.type == "thread.item.done" and isinstance(e.item, AssistantMessageItem)]
    assert fake_openai.requests[1].body["stream"] is True
    [trace] = traces(server, thread_id=thread_id)
    assert trace["status"] == "error"
