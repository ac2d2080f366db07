"""Agent Builder's export shape (``../shared/examples/agent_builder_export.py``) registers and answers unedited."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import MakeServer
from tests.fake_openai import FakeOpenAI, Reply, ToolCall, fake_openai_fixture  # noqa: F401 (fixture)
from tests.test_workflow_runs import _text_input, publish, reply_text, runtime, traces

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
    events = rt.stream("threads.add_user_message", thread_id=thread_id, input=_text_input("What did I ask?"))
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
