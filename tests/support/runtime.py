"""The runtime tests' client: sessions, ``POST /chatkit`` as the chat UI sends it, SSE decoding.

Every answer is parsed with ``openai-chatkit``'s own pydantic adapters, so a shape the official package
would reject fails the test that received it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
from chatkit.types import Attachment, Page, Thread, ThreadItem, ThreadStreamEvent
from pydantic import TypeAdapter

from chatkit_host.server.workflows.offline import OfflineResponder
from tests.support.servers import RunningServer

EVENT = TypeAdapter(ThreadStreamEvent)
THREAD = TypeAdapter(Thread)
THREAD_PAGE = TypeAdapter(Page[Thread])
ITEM_PAGE = TypeAdapter(Page[ThreadItem])
ATTACHMENT = TypeAdapter(Attachment)


def slow_responder(word_delay: float, repeat: int = 100) -> OfflineResponder:
    """The offline model, ``word_delay`` seconds per word over ``repeat`` repetitions: a test acts mid-answer."""
    return OfflineResponder(delay=word_delay, repeat=repeat)


def new_session(server: RunningServer, user: str = "alice", **body: Any) -> dict[str, Any]:
    response = server.admin().post("/v1/chatkit/sessions", json={"user": user, "workflow": {"id": "default"}, **body})
    assert response.status_code == 200, response.text
    session: dict[str, Any] = response.json()
    return session


def text_input(text: str, attachments: Sequence[str] = (), model: str | None = None) -> dict[str, Any]:
    """A user message as the chat UI sends it, optionally asking for ``model``."""
    return {
        "content": [{"type": "input_text", "text": text}],
        "attachments": list(attachments),
        "inference_options": {"model": model} if model else {},
    }


def decode_events(body: bytes) -> list[Any]:
    """Split an SSE body into events, checking the exact framing chatkit.js reads."""
    events = []
    for block in body.split(b"\n\n"):
        if not block:
            continue
        assert block.startswith(b"data: ") and b"\n" not in block, block[:200]
        events.append(EVENT.validate_json(block[len(b"data: ") :]))
    assert body.endswith(b"\n\n")
    return events


class Runtime:
    """``POST /chatkit`` as the chat UI sends it, authenticated by a session's client secret."""

    def __init__(self, server: RunningServer, secret: str) -> None:
        self.server = server
        self.secret = secret
        self.http = server.client(headers={"Authorization": f"Bearer {secret}"}, timeout=30)

    @classmethod
    def for_user(cls, server: RunningServer, user: str = "alice", **body: Any) -> Runtime:
        """A session with a generous rate limit unless ``rate_limits`` is given (tests send many requests)."""
        body.setdefault("rate_limits", {"max_requests_per_1_minute": 1000})
        session = new_session(server, user, **body)
        runtime = cls(server, session["client_secret"])
        runtime.session = session
        return runtime

    session: dict[str, Any]

    def post(self, op: str, /, **params: Any) -> httpx.Response:
        return self.http.post("/chatkit", json={"type": op, "params": params})

    def stream(self, op: str, /, **params: Any) -> list[Any]:
        response = self.post(op, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/event-stream")
        return decode_events(response.content)

    def json(self, op: str, /, **params: Any) -> Any:
        response = self.post(op, **params)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "application/json"
        return response.json()

    def create_thread(self, text: str = "hello there", attachments: Sequence[str] = ()) -> tuple[str, list[Any]]:
        events = self.stream("threads.create", input=text_input(text, attachments))
        assert events[0].type == "thread.created"
        return events[0].thread.id, events

    def error(self, op: str, status: int, /, **params: Any) -> dict[str, Any]:
        response = self.post(op, **params)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
        error: dict[str, Any] = response.json()["error"]
        assert set(error) == {"message", "type", "param", "code"}
        return error
