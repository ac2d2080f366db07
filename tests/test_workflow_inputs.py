"""What users attach reaches the model: images, PDFs and text files in the right part types, on both APIs,
on the fast path, the ``Runner`` path and Agent Builder exports, and in later turns within the budget.

The fake OpenAI server records every request; the assertions read the bytes back out of what it received.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

from tests.support.exports import LIBRARY_DESK
from tests.support.fake_openai import FakeOpenAI, RecordedRequest, Reply
from tests.support.runtime import Runtime, text_input
from tests.support.servers import MakeServer, RunningServer
from tests.support.workflows import APIS, provider_server, publish, reply_text

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
TXT = b"first line of the notes\nsecond line\n"
FILES = [("cat.png", PNG, "image/png"), ("report.pdf", PDF, "application/pdf"), ("notes.txt", TXT, "text/plain")]

#: The fast path: one agent without tools answers in one model call (single_call.py).
FAST = """\
name: Looker
agents:
  - name: looker
    instructions: Look at what the user sends.
    model: fake-vision
"""
#: The Runner path: the same agent with a tool.
RUNNER = FAST + "    tools:\n      - builtin: current_time\n"


def _session(server: RunningServer, workflow_id: str) -> Runtime:
    config = {"file_upload": {"enabled": True}, "automatic_thread_titling": {"enabled": False}}
    return Runtime.for_user(server, "alice", workflow={"id": workflow_id}, chatkit_configuration=config)


def _upload(rt: Runtime, files: list[tuple[str, bytes, str]] = FILES) -> list[str]:
    ids = []
    for name, data, mime in files:
        response = rt.http.post("/chatkit/upload", files={"file": (name, data, mime)})
        assert response.status_code == 200, response.text
        ids.append(response.json()["id"])
    return ids


def _data(url: str, mime: str) -> bytes:
    prefix = f"data:{mime};base64,"
    assert url.startswith(prefix), url[:60]
    return base64.b64decode(url[len(prefix) :])


def _user_parts(request: RecordedRequest) -> list[list[dict[str, Any]]]:
    """The content parts of every user message of a request, whichever API carried it."""
    messages = request.body["input"] if request.api == "responses" else request.body["messages"]
    found = []
    for message in messages:
        if message.get("role") == "user":
            content = message["content"]
            found.append([{"type": "text", "text": content}] if isinstance(content, str) else content)
    return found


def _received(parts: list[dict[str, Any]], api: str) -> dict[str, Any]:
    """What one user message carried: the bytes of its image and file, and its texts."""
    got: dict[str, Any] = {"texts": [], "image": None, "file": None}
    for part in parts:
        kind = part["type"]
        if kind in ("input_text", "text"):
            got["texts"].append(part["text"])
        elif api == "responses" and kind == "input_image":
            got["image"] = _data(part["image_url"], "image/png")
        elif api == "chat_completions" and kind == "image_url":
            got["image"] = _data(part["image_url"]["url"], "image/png")
        elif api == "responses" and kind == "input_file":
            got["file"] = (part["filename"], _data(part["file_data"], "application/pdf"))
        elif api == "chat_completions" and kind == "file":
            got["file"] = (part["file"]["filename"], _data(part["file"]["file_data"], "application/pdf"))
        else:
            raise AssertionError(f"unexpected part {kind} on {api}")
    return got


def _assert_all_three(parts: list[dict[str, Any]], api: str, words: str) -> None:
    got = _received(parts, api)
    assert got["image"] == PNG
    assert got["file"] == ("report.pdf", PDF)
    text = "\n".join(got["texts"])
    assert words in text
    assert f"[attachment: cat.png (image/png, {len(PNG)} bytes)]" in text
    assert f"[attachment: notes.txt (text/plain, {len(TXT)} bytes)]\n{TXT.decode()}" in text


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("definition", [FAST, RUNNER], ids=["fast_path", "runner"])
def test_png_pdf_and_text_reach_the_model_and_the_next_turn(
    make_server: MakeServer, fake_openai: FakeOpenAI, api: str, definition: str
) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, definition, "looker")
    rt = _session(server, "looker")
    fake_openai.script(Reply(text="A cat, a report and notes."), Reply(text="Still the cat."))
    thread_id, events = rt.create_thread("What is in these?", attachments=_upload(rt))
    assert reply_text(events) == "A cat, a report and notes."
    [first] = fake_openai.requests
    [parts] = _user_parts(first)
    _assert_all_three(parts, api, "What is in these?")

    events = rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("And the cat?"))
    assert reply_text(events) == "Still the cat."
    earlier, latest = _user_parts(fake_openai.requests[1])
    _assert_all_three(earlier, api, "What is in these?")  # the earlier turn keeps its files (default budget)
    assert _received(latest, api)["texts"] == ["And the cat?"]


@pytest.mark.parametrize("api", APIS)
def test_the_budget_limits_bytes_per_turn_and_how_many_turns_keep_their_files(
    make_server: MakeServer, fake_openai: FakeOpenAI, api: str
) -> None:
    budget = f"attachments: {{max_bytes_per_turn: {len(PNG) + 10}, history_turns: 1}}\n"
    server = provider_server(make_server, fake_openai, api)
    publish(server, budget + FAST, "looker")
    rt = _session(server, "looker")
    thread_id, _ = rt.create_thread("Look", attachments=_upload(rt))
    got = _received(_user_parts(fake_openai.requests[0])[0], api)
    # The image fits; the PDF does not any more (newest first, in order): a placeholder says why.
    assert got["image"] == PNG and got["file"] is None
    text = "\n".join(got["texts"])
    assert f"[attachment: report.pdf (application/pdf, {len(PDF)} bytes)] not sent: over this workflow's" in text
    assert "not sent: over" in text.split("notes.txt")[1]

    rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("Again"))
    earlier, _ = _user_parts(fake_openai.requests[1])
    got = _received(earlier, api)
    assert got["image"] is None and got["file"] is None
    assert "[attachment: cat.png (image/png, " in got["texts"][1] and "only the latest 1 send" in got["texts"][1]


def test_a_bad_budget_is_a_400(make_server: MakeServer) -> None:
    server = make_server()
    body = {"id": "bad", "format": "yaml", "source": "attachments: {history_turns: -1}\n" + FAST}
    response = server.admin().post("/v1/chatkit/workflows", json=body)
    assert response.status_code == 400
    assert "attachments.history_turns" in response.json()["error"]["message"]


@pytest.mark.parametrize("workflow", ["default", "looker"])
def test_the_offline_stand_in_names_what_it_received(make_server: MakeServer, workflow: str) -> None:
    server = make_server()
    if workflow != "default":
        publish(server, FAST.replace("fake-vision", "offline"), workflow)
    rt = _session(server, workflow)
    _, events = rt.create_thread("What are these?", attachments=_upload(rt))
    said = reply_text(events)
    assert "[offline stand-in model]" in said and "You said: What are these?" in said
    assert f"cat.png (image/png, {len(PNG)} bytes) as image input" in said
    assert f"report.pdf (application/pdf, {len(PDF)} bytes) as file input" in said
    assert f'notes.txt (text/plain, {len(TXT)} bytes) as text, first line: "first line of the notes"' in said


@pytest.mark.parametrize("api", APIS)
def test_an_export_sees_the_latest_message_files_and_earlier_ones(
    make_server: MakeServer, fake_openai: FakeOpenAI, api: str
) -> None:
    export = LIBRARY_DESK
    server = provider_server(make_server, fake_openai, api)
    publish(server, export.source(), "export", fmt="python")
    rt = _session(server, "export")
    fake_openai.script(Reply(text=export.route_reply(export.other_route)), Reply(text="A cat."))
    thread_id, events = rt.create_thread("What is this?", attachments=_upload(rt))
    assert reply_text(events) == "A cat."
    for request in fake_openai.requests:  # the router and the answering desk both see the files
        [parts] = _user_parts(request)
        _assert_all_three(parts, api, "What is this?")

    fake_openai.script(Reply(text=export.route_reply(export.other_route)), Reply(text="Still a cat."))
    rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input("And now?"))
    earlier, *_, latest = _user_parts(fake_openai.requests[3])
    _assert_all_three(earlier, api, "What is this?")
    assert _received(latest, api)["texts"] == ["And now?"]


def test_an_export_offline_names_the_files_it_received(make_server: MakeServer) -> None:
    server = make_server()
    publish(server, LIBRARY_DESK.source(), "export", fmt="python")
    rt = _session(server, "export")
    _, events = rt.create_thread("What is this?", attachments=_upload(rt))
    said = reply_text(events)
    assert "[offline stand-in model]" in said
    assert "cat.png (image/png" in said and "as image input" in said and "report.pdf" in said
    assert 'first line: "first line of the notes"' in said


def test_a_model_that_refuses_the_files_ends_the_turn_saying_so(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, FAST, "looker")
    rt = _session(server, "looker")
    fake_openai.script(Reply(error_status=400))  # a text-only model: "image input is not supported"
    _, events = rt.create_thread("What is in these?", attachments=_upload(rt))
    [error] = [e for e in events if e.type == "error"]
    assert "did not accept this message's attachments" in error.message
    # Without files the same failure is the generic one: the message is about the attachments only when sent.
    fake_openai.script(Reply(error_status=400))
    _, events = rt.create_thread("Plain words")
    [error] = [e for e in events if e.type == "error"]
    assert "attachments" not in error.message
