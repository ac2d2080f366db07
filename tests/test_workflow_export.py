"""Agent Builder's export shape registers and answers unedited.

Each test runs on the repository's own export (``tests/fixtures/exports/library_desk.py``) and, when
``../shared`` is checked out beside the repository, on its ``examples/agent_builder_export.py`` as well
(``tests/support/exports.py``): no ``../shared``, one case each and nothing skipped.
"""

from __future__ import annotations

from typing import Any

import pytest
from chatkit.types import AssistantMessageItem

from tests.support.exports import ExportCase, export_cases
from tests.support.fake_openai import FakeOpenAI, Reply, ToolCall
from tests.support.runtime import EVENT, Runtime, text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.workflows import publish, reply_text, runtime, traces


@pytest.fixture(params=export_cases(), ids=lambda case: case.id)
def export(request: pytest.FixtureRequest) -> ExportCase:
    case: ExportCase = request.param
    return case


def test_export_registers_and_answers_offline(make_server: MakeServer, export: ExportCase) -> None:
    server = make_server()
    version = publish(server, export.source(), "export", fmt="python")
    assert version["kind"] == "agent_builder_export"
    assert version["agents"] == export.agents
    assert version["models"] == export.models
    rt = runtime(server, {"id": "export"})
    _, events = rt.create_thread(export.question)
    # The offline model returns schema-valid triage output, so the export runs to its end.
    assert "[offline stand-in model]" in reply_text(events)


def test_export_runs_on_the_provider_with_thread_history(
    make_server: MakeServer, fake_openai: FakeOpenAI, export: ExportCase
) -> None:
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", openai_api="chat_completions")
    publish(server, export.source(), "export", fmt="python")
    answer = f"The answer: {export.tool_result}."
    fake_openai.script(
        Reply(text=export.route_reply(export.tool_route)),
        Reply(tool_calls=[ToolCall(export.tool, export.tool_arguments)]),
        Reply(text=answer),
    )
    rt = runtime(server, {"id": "export"})
    thread_id, events = rt.create_thread(export.question)
    assert reply_text(events) == answer
    router, desk, desk_after_tool = fake_openai.requests
    assert router.body["model"] == export.router_model and export.router_says in router.system_text()
    assert router.body["response_format"]["type"] == "json_schema"
    assert desk.body["model"] == export.tool_agent_model and export.tool_agent_says in desk.system_text()
    assert export.tool_result in desk_after_tool.transcript()  # the export's own tool ran
    assert export.tool_result not in desk.transcript()

    fake_openai.script(Reply(text=export.route_reply(export.other_route)), Reply(text="You asked about that."))
    events = rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("What did I ask?"))
    assert reply_text(events) == "You asked about that."
    second_router, other_desk = fake_openai.requests[3:]
    assert other_desk.body["model"] not in (None, export.router_model)
    assert export.tool_agent_says not in other_desk.system_text()  # the other branch answered
    for request in (second_router, other_desk):
        transcript = request.transcript()
        # Earlier turns come first, although the export itself passes only the latest message.
        assert transcript.index(export.question) < transcript.index(answer)
        assert transcript.index(answer) < transcript.index("What did I ask?")
    [first_trace, _] = sorted(traces(server, thread_id=thread_id), key=lambda t: t["id"])
    spans = server.admin().get(f"/v1/chatkit/traces/{first_trace['id']}").json()["spans"]
    models = [export.router_model, export.tool_agent_model, export.tool_agent_model]
    assert [s["model"] for s in spans if s["kind"] == "model"] == models
    assert [s["name"] for s in spans if s["kind"] == "tool"] == [export.tool]


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
    make_server: MakeServer, fake_openai: FakeOpenAI, export: ExportCase, api: str
) -> None:
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", openai_api=api)
    publish(server, export.source(), "export", fmt="python")
    answer = f"It is {export.tool_result}, and nothing else needs doing before then. " * 3
    fake_openai.script(
        Reply(text=export.route_reply(export.tool_route)),
        # A preamble before the tool call: streamed, then taken back, since the export returns only the answer.
        Reply(text="Let me check.", tool_calls=[ToolCall(export.tool, export.tool_arguments)]),
        Reply(text=answer, chunk_delay=0.03),  # about 2 s of streaming
    )
    rt = runtime(server, {"id": "export"})
    events, traces_at_first_delta = _stream_turn(rt, server, export.question)

    # Text arrived in pieces, the first before the run had ended (its trace was not stored yet).
    assert traces_at_first_delta == []
    deltas = [e.update.delta for e in events if e.type == "thread.item.updated" and hasattr(e.update, "delta")]
    assert len(deltas) > 10 and "".join(deltas) == "Let me check." + answer
    # The router's JSON is not chat text: it never streamed.
    assert not any(key in d for d in deltas for key in export.tool_route)

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
    assert tasks == [
        (export.router, "complete"),
        (export.tool_agent, "complete"),
        (f"Calling {export.tool}", "complete"),
    ]
    # Every model call streamed except the structured router, and usage counts all three.
    assert [r.body.get("stream") is True for r in fake_openai.requests] == [False, True, True]
    [trace] = traces(server, thread_id=thread_id)
    assert trace["status"] == "completed" and trace["usage"]["input_tokens"] == 33


def test_export_model_failure_ends_the_streamed_turn_with_an_error_event(
    make_server: MakeServer, fake_openai: FakeOpenAI, export: ExportCase
) -> None:
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", openai_api="chat_completions")
    publish(server, export.source(), "export", fmt="python")
    # The router answers; the answering agent's streamed call fails (every retry of the client too).
    fake_openai.rule = lambda request: Reply(error_status=500) if len(fake_openai.requests) > 1 else None
    fake_openai.script(Reply(text=export.route_reply(export.other_route)))
    rt = runtime(server, {"id": "export"})
    thread_id, events = rt.create_thread("Hello")
    errors = [e for e in events if e.type == "error"]
    assert len(errors) == 1 and errors[0].allow_retry
    assert not [e for e in events if e.type == "thread.item.done" and isinstance(e.item, AssistantMessageItem)]
    assert fake_openai.requests[1].body["stream"] is True
    [trace] = traces(server, thread_id=thread_id)
    assert trace["status"] == "error"


GUARDED_EXPORT = """
from agents import Agent, GuardrailFunctionOutput, Runner, input_guardrail
from pydantic import BaseModel


class WorkflowInput(BaseModel):
    input_as_text: str


@input_guardrail(run_in_parallel=False)
async def no_secrets(ctx, agent, text):
    blocked = "secret" in str(text)
    return GuardrailFunctionOutput(output_info={"message": "No secrets here."}, tripwire_triggered=blocked)


helper = Agent(name="Helper", instructions="Help.", model="fake-small", input_guardrails=[no_secrets])


async def run_workflow(workflow_input: WorkflowInput):
    result = await Runner.run(helper, workflow_input.input_as_text)
    return {"output_text": result.final_output}
"""


def test_export_guardrail_replaces_the_reply_with_its_message(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", openai_api="chat_completions")
    publish(server, GUARDED_EXPORT, "guarded", fmt="python")
    rt = runtime(server, {"id": "guarded"})
    fake_openai.script(Reply(text="Happy to help."))
    _, events = rt.create_thread("hello")
    assert reply_text(events) == "Happy to help."

    thread_id, events = rt.create_thread("my secret is 42")
    assert reply_text(events) == "No secrets here."
    assert len(fake_openai.requests) == 1  # the guardrail ran before the model
    assert [e.type for e in events if e.type == "error"] == []
    [trace] = traces(server, thread_id=thread_id)
    assert trace["status"] == "guardrail"
