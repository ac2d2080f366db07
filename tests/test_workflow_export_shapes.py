"""Agent Builder exports in the shapes real ones take publish unedited and keep the reply the user saw.

The shapes (``tests/fixtures/exports/``): no ``return`` (no End node); a dict without ``output_text``; an
``AsyncOpenAI()`` built at import; a hosted web search tool; a tool signature that is not Python. Each runs
offline and on the fake provider.
"""

from __future__ import annotations

from typing import Any

import pytest
from chatkit.types import AssistantMessageItem

from tests.support.exports import FIXTURES
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.runtime import text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.workflows import APIS, provider_server, publish, reply_text, runtime


def _source(name: str) -> str:
    return (FIXTURES / f"{name}.py").read_text(encoding="utf-8")


def _assistant_texts(server: RunningServer, thread_id: str) -> list[str]:
    items = server.openai().beta.chatkit.threads.list_items(thread_id, order="asc")
    return ["".join(c.text for c in i.content) for i in items if i.type == "chatkit.assistant_message"]


def _removed(events: list[Any]) -> list[str]:
    return [e.item_id for e in events if e.type == "thread.item.removed"]


def _streamed(events: list[Any]) -> str:
    return "".join(e.update.delta for e in events if e.type == "thread.item.updated" and hasattr(e.update, "delta"))


@pytest.mark.parametrize("shape", ["no_return", "category_dict"])
def test_an_export_without_an_answer_keeps_the_streamed_reply_offline(make_server: MakeServer, shape: str) -> None:
    server = make_server()
    publish(server, _source(shape), shape, fmt="python")
    rt = runtime(server, {"id": shape})
    thread_id, events = rt.create_thread("Where is breakfast served?")
    said = reply_text(events)
    assert said.startswith("[offline stand-in model]") and "Where is breakfast served?" in said
    assert _removed(events) == [] and _streamed(events) == said
    assert _assistant_texts(server, thread_id) == [said]


@pytest.mark.parametrize("api", APIS)
def test_an_export_without_an_answer_keeps_the_streamed_reply_on_the_provider(
    make_server: MakeServer, fake_openai: FakeOpenAI, api: str
) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, _source("no_return"), "concierge", fmt="python")
    publish(server, _source("category_dict"), "route", fmt="python")

    fake_openai.script(Reply(text="Breakfast is served from seven."), Reply(text="On the terrace."))
    rt = runtime(server, {"id": "concierge"})
    thread_id, events = rt.create_thread("When is breakfast?")
    assert reply_text(events) == "Breakfast is served from seven." and _removed(events) == []
    events = rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("Where?"))
    assert reply_text(events) == "On the terrace."
    # The next turn's history is what the user saw: no empty assistant turn.
    assert "Breakfast is served from seven." in fake_openai.requests[1].transcript()
    assert _assistant_texts(server, thread_id) == ["Breakfast is served from seven.", "On the terrace."]

    fake_openai.script(Reply(text='{"category":"other"}'), Reply(text="Happy to help with that."))
    rt = runtime(server, {"id": "route"})
    thread_id, events = rt.create_thread("Tell me a joke")
    assert reply_text(events) == "Happy to help with that." and _removed(events) == []
    assert _assistant_texts(server, thread_id) == ["Happy to help with that."]
    # The billing branch returns output_text: that stays the exact reply, as before.
    fake_openai.script(Reply(text='{"category":"billing"}'), Reply(text="Your invoice is paid."))
    _, events = rt.create_thread("Is my invoice paid?")
    assert reply_text(events) == "Your invoice is paid."


def test_an_export_building_a_client_at_import_publishes_and_runs_offline(make_server: MakeServer) -> None:
    server = make_server()  # no key, no provider
    version = publish(server, _source("client_at_import"), "checked", fmt="python")
    assert version["kind"] == "agent_builder_export"
    rt = runtime(server, {"id": "checked"})
    _, events = rt.create_thread("Hello there")
    assert "[offline stand-in model]" in reply_text(events)


@pytest.mark.parametrize("api", APIS)
def test_an_export_building_a_client_at_import_uses_the_servers_provider(
    make_server: MakeServer, fake_openai: FakeOpenAI, api: str
) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, _source("client_at_import"), "checked", fmt="python")
    fake_openai.script(Reply(text="ok"), Reply(text="Hi! How can I help?"))
    rt = runtime(server, {"id": "checked"})
    thread_id, events = rt.create_thread("Hello there")
    assert reply_text(events) == "Hi! How can I help?"
    check, answer = fake_openai.requests
    # The export's own client reached the configured provider (not api.openai.com) with the check.
    assert check.path == "/v1/chat/completions" and check.body["messages"][1]["content"] == "Hello there"
    assert check.headers["authorization"] == "Bearer unused"
    assert answer.api == api
    assert _assistant_texts(server, thread_id) == ["Hi! How can I help?"]


def test_hosted_tools_take_the_responses_api_when_the_default_is_chat_completions(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = provider_server(make_server, fake_openai, "chat_completions")
    publish(server, _source("hosted_web_search"), "research", fmt="python")
    fake_openai.script(Reply(text="Found it: the answer is 42."))
    rt = runtime(server, {"id": "research"})
    thread_id, events = rt.create_thread("What is the answer?")
    assert reply_text(events) == "Found it: the answer is 42."
    [request] = fake_openai.requests
    assert request.api == "responses" and [t["type"] for t in request.body["tools"]] == ["web_search"]
    assert _assistant_texts(server, thread_id) == ["Found it: the answer is 42."]

    # Offline too: the stand-in has no hosted tools, but the export runs and answers.
    offline = make_server()
    publish(offline, _source("hosted_web_search"), "research", fmt="python")
    _, events = runtime(offline, {"id": "research"}).create_thread("What is the answer?")
    assert "[offline stand-in model]" in reply_text(events)


def test_hosted_tools_on_a_provider_without_responses_end_the_turn_saying_so(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = provider_server(make_server, fake_openai, "chat_completions")
    publish(server, _source("hosted_web_search"), "research", fmt="python")
    # A Chat Completions-only server (Ollama, vLLM): /v1/responses does not exist.
    fake_openai.rule = lambda request: Reply(error_status=404) if request.api == "responses" else None
    rt = runtime(server, {"id": "research"})
    _, events = rt.create_thread("What is the answer?")
    [error] = [e for e in events if e.type == "error"]
    assert "need the Responses API" in error.message and "HTTP 404 on /responses" in error.message
    assert not [e for e in events if e.type == "thread.item.done" and isinstance(e.item, AssistantMessageItem)]


def test_an_invalid_signature_fails_to_publish_naming_the_line_and_the_fix(make_server: MakeServer) -> None:
    server = make_server()
    source = _source("invalid_signature")
    body = {"id": "shop", "format": "python", "source": source}
    response = server.admin().post("/v1/chatkit/workflows", json=body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"} and error["code"] == "invalid_workflow_definition"
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "item: string,null" in text)
    assert f"line {line}" in error["message"]
    assert "`item: string,null` is a JSON Schema type" in error["message"]
    assert "write `item: str | None = None` instead" in error["message"]


@pytest.mark.parametrize(
    ("source", "says"),
    [
        ("import guardrails\n", ["line 1", "`import guardrails`", "pip install openai-guardrails"]),
        ("x = 1\ndef broken(:\n    pass\n", ["line 2", "SyntaxError", "`def broken(:`"]),
        ("from agents import Agent\nagent = Agent(name='a', tools=[undefined_tool])\n", ["line 2", "undefined_tool"]),
    ],
    ids=["missing_package", "syntax", "undefined_name"],
)
def test_publish_errors_name_the_line(make_server: MakeServer, source: str, says: list[str]) -> None:
    server = make_server()
    response = server.admin().post("/v1/chatkit/workflows", json={"id": "x", "format": "python", "source": source})
    assert response.status_code == 400
    message = response.json()["error"]["message"]
    for part in says:
        assert part in message, message
