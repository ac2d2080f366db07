"""``POST /chatkit``: the request types over real HTTP, every answer parsed by openai-chatkit's types."""

from __future__ import annotations

import asyncio
from datetime import datetime

import httpx
import pytest
from chatkit.types import (
    ClientToolCallItem,
    StructuredInputFreeform,
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputMultipleChoiceOption,
    WidgetItem,
)
from chatkit.widgets import Card, Text

from chatkit_host.server import ids
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import ItemRecord, Store
from chatkit_host.server.workflows.offline import INTRO
from tests.support.runtime import ITEM_PAGE, THREAD, THREAD_PAGE, Runtime, text_input
from tests.support.servers import RunningServer


def _save_item(settings: Settings, item: ClientToolCallItem | StructuredInputItem | WidgetItem) -> None:
    async def run() -> None:
        store = Store.open(settings.resolved_database_url)
        try:
            record = ItemRecord(item.id, item.thread_id, item.type, item.created_at.timestamp(), item.model_dump_json())
            await store.save_item(record)
        finally:
            await store.close()

    asyncio.run(run())


def test_threads_create_streams_the_whole_turn(server: RunningServer) -> None:
    rt = Runtime.for_user(server, "alice")
    thread_id, events = rt.create_thread("What is the plan for today?")
    kinds = [e.type for e in events]
    assert kinds[:3] == ["thread.created", "thread.item.done", "stream_options"]
    assert kinds[3] == "thread.item.added"
    assert kinds[-2:] == ["thread.item.done", "thread.updated"]
    user_item, answer = events[1].item, events[-2].item
    assert user_item.type == "user_message" and user_item.content[0].text == "What is the plan for today?"
    deltas = "".join(
        e.update.delta for e in events if e.type == "thread.item.updated" and e.update.type.endswith("delta")
    )
    assert answer.type == "assistant_message" and answer.content[0].text == deltas
    assert deltas.startswith(INTRO) and deltas.endswith("You said: What is the plan for today?")
    assert events[-1].thread.title == "What is the plan for today?"
    assert ids.is_valid(thread_id, ids.THREAD) and user_item.id < answer.id

    # The same thread through the REST API, owned by the session's user.
    admin = server.openai()
    thread = admin.beta.chatkit.threads.retrieve(thread_id)
    assert (thread.user, thread.title, thread.status.type) == ("alice", "What is the plan for today?", "active")
    items = list(admin.beta.chatkit.threads.list_items(thread_id, order="asc"))
    assert [i.type for i in items] == ["chatkit.user_message", "chatkit.assistant_message"]
    assert items[1].content[0].text == deltas


def test_conversation_continues_and_reads_back(server: RunningServer) -> None:
    rt = Runtime.for_user(server)
    thread_id, _ = rt.create_thread("first")
    events = rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("second"))
    assert [e.type for e in events][:2] == ["thread.item.done", "stream_options"]
    assert not any(e.type == "thread.updated" for e in events)  # titled once, after the first exchange

    thread = THREAD.validate_python(rt.json("threads.get_by_id", thread_id=thread_id))
    assert thread.title == "first"
    assert [i.type for i in thread.items.data] == ["user_message", "assistant_message"] * 2
    assert thread.items.data[2].content[0].text == "second"

    page = ITEM_PAGE.validate_python(rt.json("items.list", thread_id=thread_id, limit=3, order="desc"))
    assert page.has_more and page.after == page.data[-1].id
    rest = ITEM_PAGE.validate_python(rt.json("items.list", thread_id=thread_id, limit=3, after=page.after))
    assert [i.id for i in page.data + rest.data] == [i.id for i in reversed(thread.items.data)]
    assert not rest.has_more


def test_threads_list_update_delete(server: RunningServer) -> None:
    rt = Runtime.for_user(server)
    created = [rt.create_thread(f"thread number {n}")[0] for n in range(3)]
    page = THREAD_PAGE.validate_python(rt.json("threads.list", limit=2))
    assert [t.id for t in page.data] == [created[2], created[1]] and page.has_more
    rest = THREAD_PAGE.validate_python(rt.json("threads.list", limit=2, after=page.after))
    assert [t.id for t in rest.data] == [created[0]] and not rest.has_more
    asc = THREAD_PAGE.validate_python(rt.json("threads.list", order="asc"))
    assert [t.id for t in asc.data] == created

    renamed = THREAD.validate_python(rt.json("threads.update", thread_id=created[0], title="Renamed"))
    assert renamed.title == "Renamed" and renamed.items.data == []
    assert server.openai().beta.chatkit.threads.retrieve(created[0]).title == "Renamed"

    assert rt.json("threads.delete", thread_id=created[1]) == {}
    assert server.admin().get(f"/v1/chatkit/threads/{created[1]}").status_code == 404
    assert rt.error("threads.get_by_id", 404, thread_id=created[1])["code"] == "thread_not_found"


def test_feedback_is_stored_and_listed_for_admins(server: RunningServer) -> None:
    rt = Runtime.for_user(server, "fred")
    thread_id, events = rt.create_thread("rate me")
    answer_id = events[-2].item.id
    assert rt.json("items.feedback", thread_id=thread_id, item_ids=[answer_id], kind="negative") == {}
    error = rt.error("items.feedback", 404, thread_id=thread_id, item_ids=["cthi_nope"], kind="positive")
    assert error["param"] == "item_id"
    assert rt.error("items.feedback", 400, thread_id=thread_id, item_ids=[answer_id], kind="meh")["param"]

    listed = server.admin().get("/v1/chatkit/feedback", params={"thread_id": thread_id}).json()
    assert [(f["item_id"], f["kind"], f["user"], f["object"]) for f in listed["data"]] == [
        (answer_id, "negative", "fred", "chatkit.feedback")
    ]
    assert listed["first_id"] == listed["data"][0]["id"]
    assert server.admin().get("/v1/chatkit/feedback", params={"thread_id": "cthr_other"}).json()["data"] == []
    assert server.client().get("/v1/chatkit/feedback").status_code == 401
    secret_as_key = server.client(headers={"Authorization": f"Bearer {rt.secret}"})
    assert secret_as_key.get("/v1/chatkit/feedback").json()["error"]["code"] == "invalid_api_key"


def test_retry_after_item_replaces_the_answer(server: RunningServer) -> None:
    rt = Runtime.for_user(server)
    thread_id, events = rt.create_thread("try this")
    user_id, old_answer = events[1].item.id, events[-2].item.id
    retried = rt.stream("threads.retry_after_item", thread_id=thread_id, item_id=user_id)
    assert retried[0].type == "stream_options" and retried[-1].type == "thread.item.done"
    items = ITEM_PAGE.validate_python(rt.json("items.list", thread_id=thread_id, order="asc")).data
    assert [i.id for i in items] == [user_id, retried[-1].item.id] and old_answer not in [i.id for i in items]
    assert rt.error("threads.retry_after_item", 400, thread_id=thread_id, item_id=retried[-1].item.id)["code"] == (
        "not_a_user_message"
    )


def test_client_tool_output_completes_the_pending_call(server: RunningServer) -> None:
    rt = Runtime.for_user(server)
    thread_id, _ = rt.create_thread("use a tool")
    assert rt.error("threads.add_client_tool_output", 400, thread_id=thread_id, result={})["code"] == (
        "no_pending_tool_call"
    )
    call = ClientToolCallItem(
        id=ids.new_id(ids.ITEM),
        thread_id=thread_id,
        created_at=datetime.now(),
        call_id="call_1",
        name="get_location",
        arguments={"precise": True},
    )
    _save_item(server.settings, call)
    events = rt.stream("threads.add_client_tool_output", thread_id=thread_id, result={"city": "Oslo"})
    assert events[0].type == "stream_options" and events[-1].type == "thread.item.done"
    items = ITEM_PAGE.validate_python(rt.json("items.list", thread_id=thread_id, order="asc")).data
    done = next(i for i in items if i.id == call.id)
    assert isinstance(done, ClientToolCallItem) and done.status == "completed" and done.output == {"city": "Oslo"}
    rest = [
        i for i in server.openai().beta.chatkit.threads.list_items(thread_id) if i.type == "chatkit.client_tool_call"
    ]
    assert rest[0].status == "completed" and rest[0].output == '{"city":"Oslo"}'


def test_structured_input_is_answered(server: RunningServer) -> None:
    rt = Runtime.for_user(server)
    thread_id, _ = rt.create_thread("ask me")
    question = StructuredInputItem(
        id=ids.new_id(ids.ITEM),
        thread_id=thread_id,
        created_at=datetime.now(),
        inputs=[
            StructuredInputMultipleChoice(
                id="size", question="Size?", options=[StructuredInputMultipleChoiceOption(value=v) for v in "SML"]
            ),
            StructuredInputFreeform(id="note", question="Anything else?"),
        ],
    )
    _save_item(server.settings, question)
    answer = {"status": "answered", "answers": {"size": {"values": ["M", "L"]}, "note": {"values": []}}}
    events = rt.stream("threads.add_structured_input", thread_id=thread_id, item_id=question.id, input=answer)
    replaced = next(e for e in events if e.type == "thread.item.replaced").item
    assert replaced.status == "answered"
    assert replaced.inputs[0].answer.values == ["M"] and replaced.inputs[1].answer.skipped
    error = rt.error("threads.add_structured_input", 400, thread_id=thread_id, item_id=question.id, input=answer)
    assert error["code"] == "not_pending_structured_input"


def test_custom_actions(server: RunningServer) -> None:
    rt = Runtime.for_user(server)
    thread_id, events = rt.create_thread("widgets")
    widget = WidgetItem(
        id=ids.new_id(ids.ITEM),
        thread_id=thread_id,
        created_at=datetime.now(),
        widget=Card(children=[Text(value="hi")]),
    )
    _save_item(server.settings, widget)
    action = {"type": "order.pizza", "payload": {"size": "L"}}
    streamed = rt.stream("threads.custom_action", thread_id=thread_id, item_id=widget.id, action=action)
    assert streamed[0].type == "stream_options" and "order.pizza" in streamed[-1].item.content[0].text
    assert rt.json("threads.sync_custom_action", thread_id=thread_id, item_id=widget.id, action=action) == {}
    user_item = events[1].item.id
    assert rt.error("threads.custom_action", 400, thread_id=thread_id, item_id=user_item, action=action)["code"] == (
        "not_a_widget"
    )


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"[]",
        b"{}",
        b'{"type": "threads.nope", "params": {}}',
        b'{"type": "threads.list"}',
        b'{"type": "threads.create", "params": {"input": {"content": "x"}}}',
        b'{"type": "items.list", "params": {"thread_id": 5}}',
        b'{"type": "threads.list", "params": {"limit": 0}}',
        b'{"type": "threads.list", "params": {"after": "not-an-id"}}',
        b'"threads.list"',
    ],
)
def test_malformed_bodies_are_400_in_the_error_envelope(sqlite_server: RunningServer, body: bytes) -> None:
    rt = Runtime.for_user(sqlite_server)
    response = rt.http.post("/chatkit", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_a_body_over_the_limit_is_413_declared_or_chunked(sqlite_server: RunningServer) -> None:
    rt = Runtime.for_user(sqlite_server)
    limit = sqlite_server.settings.max_body_bytes
    # Valid JSON padded past the limit, so only the size can be the reason for refusing it.
    body = b'{"type": "threads.list", "params": {}}' + b" " * limit
    declared = rt.http.post("/chatkit", content=body, headers={"Content-Type": "application/json"})
    chunked = rt.http.post(
        "/chatkit", content=iter([body[:65536], body[65536:]]), headers={"Content-Type": "application/json"}
    )
    for response in (declared, chunked):
        assert response.status_code == 413, response.text
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}
    assert "content-length" not in chunked.request.headers
    assert rt.json("threads.list")["data"] == []


def test_unknown_thread_is_404_before_any_stream(server: RunningServer) -> None:
    rt = Runtime.for_user(server)
    for kind, params in [
        ("threads.add_user_message", {"thread_id": "cthr_01M8ATXRRT662112M2PGMRM4G2", "input": text_input("x")}),
        ("threads.add_user_message", {"thread_id": "garbage", "input": text_input("x")}),
        ("threads.retry_after_item", {"thread_id": "cthr_01M8ATXRRT662112M2PGMRM4G2", "item_id": "cthi_x"}),
        ("threads.get_by_id", {"thread_id": "cthr_01M8ATXRRT662112M2PGMRM4G2"}),
        ("items.list", {"thread_id": "cthr_01M8ATXRRT662112M2PGMRM4G2"}),
        ("threads.delete", {"thread_id": "cthr_01M8ATXRRT662112M2PGMRM4G2"}),
        ("threads.update", {"thread_id": "cthr_01M8ATXRRT662112M2PGMRM4G2", "title": "x"}),
    ]:
        assert rt.error(kind, 404, **params)["code"] == "thread_not_found", kind
    thread_id, _ = rt.create_thread()
    assert rt.error("threads.retry_after_item", 404, thread_id=thread_id, item_id="cthi_x")["code"] == "item_not_found"


def test_transcription_is_refused_clearly(sqlite_server: RunningServer) -> None:
    rt = Runtime.for_user(sqlite_server)
    error = rt.error("input.transcribe", 400, audio_base64="AAAA", mime_type="audio/webm")
    assert error["code"] == "transcription_unavailable"


def test_the_runtime_is_post_only(sqlite_server: RunningServer) -> None:
    response = httpx.get(sqlite_server.base_url + "/chatkit")
    assert response.status_code == 405 and "error" in response.json()


def test_other_origins_may_call_the_runtime(sqlite_server: RunningServer) -> None:
    client = sqlite_server.client(headers={"Origin": "https://shop.example"})
    preflight = client.options(
        "/chatkit",
        headers={"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization"},
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    # Errors too, so a page's api.fetch can read the code it refreshes on.
    refused = client.post("/chatkit", json={"type": "threads.list", "params": {}})
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in client.get("/healthz").headers
