"""The conversation helper drives the real runtime (``POST /chatkit``) with a session's client secret.

The default server answers with its offline responder; two small responders plugged into the runtime's
``Responder`` seam produce what the offline one never does: a reply without text deltas, and a failure.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    ThreadCreatedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    UserMessageItem,
)

from chatkit_host import AuthenticationError, RateLimitError, StreamError
from chatkit_host.server.app import create_app
from chatkit_host.server.settings import Settings
from chatkit_host.server.turn import Turn
from tests.support.sdk import SDK, sdk_for
from tests.support.servers import RunningServer, serve_in_thread
from tests.support.services import ADMIN_KEY


def new_session(sdk: SDK, user: str = "alice", per_minute: int = 100) -> Any:
    return sdk.call(
        lambda c: c.chatkit.sessions.create(
            user=user, workflow={"id": "default"}, rate_limits={"max_requests_per_1_minute": per_minute}
        )
    )


def events_of(
    sdk: SDK, secret: str, text: str, thread_id: str | None = None
) -> tuple[list[ThreadStreamEvent], str | None]:
    """All events of one turn, and the thread id the conversation followed."""
    if sdk.mode == "sync":

        def run(client: Any) -> tuple[list[ThreadStreamEvent], str | None]:
            conversation = client.chatkit.conversation(secret, thread_id=thread_id)
            return list(conversation.send(text)), conversation.thread_id

        return sdk.call(run)

    async def run_async(client: Any) -> tuple[list[ThreadStreamEvent], str | None]:
        conversation = client.chatkit.conversation(secret, thread_id=thread_id)
        return [event async for event in conversation.send(text)], conversation.thread_id

    return sdk.call(run_async)


def test_send_streams_typed_events(server: RunningServer, mode: str) -> None:
    sdk = sdk_for(server, mode)
    session = new_session(sdk)
    events, thread_id = events_of(sdk, session.client_secret, "Hello there")

    assert isinstance(events[0], ThreadCreatedEvent)
    assert thread_id == events[0].thread.id
    done = [e.item for e in events if isinstance(e, ThreadItemDoneEvent)]
    assert isinstance(done[0], UserMessageItem) and done[0].content[0].text == "Hello there"
    assert isinstance(done[-1], AssistantMessageItem)
    deltas = [
        e.update.delta for e in events if isinstance(e, ThreadItemUpdatedEvent) and e.update.type.endswith("text_delta")
    ]
    assert len(deltas) > 1  # streamed piece by piece
    assert "".join(deltas) == done[-1].content[0].text

    # The same thread continues, and the REST API sees what the runtime stored.
    more, same_thread = events_of(sdk, session.client_secret, "Second", thread_id=thread_id)
    assert same_thread == thread_id and not any(isinstance(e, ThreadCreatedEvent) for e in more)
    items = sdk.items(lambda c: c.chatkit.threads.list_items(thread_id, order="asc"))
    assert [i.type for i in items] == ["chatkit.user_message", "chatkit.assistant_message"] * 2
    assert items[2].content[0].text == "Second"
    thread = sdk.call(lambda c: c.chatkit.threads.retrieve(thread_id))
    assert thread.user == "alice"


def test_ask_and_stream_text(sqlite_server: RunningServer, mode: str) -> None:
    sdk = sdk_for(sqlite_server, mode)
    secret = new_session(sdk).client_secret
    if mode == "sync":

        def run(client: Any) -> tuple[str, list[str], str | None]:
            chat = client.chatkit.conversation(secret)
            whole = chat.ask("first question")
            return whole, list(chat.stream_text("second question")), chat.thread_id

    else:

        async def run(client: Any) -> tuple[str, list[str], str | None]:  # type: ignore[misc]
            chat = client.chatkit.conversation(secret)
            whole = await chat.ask("first question")
            return whole, [piece async for piece in chat.stream_text("second question")], chat.thread_id

    whole, pieces, thread_id = sdk.call(run)
    assert "first question" in whole  # the offline model echoes
    assert len(pieces) > 1 and "second question" in "".join(pieces)
    items = sdk.items(lambda c: c.chatkit.threads.list_items(thread_id, order="asc"))
    assert items[1].content[0].text == whole
    assert items[3].content[0].text == "".join(pieces)


def test_runtime_auth_and_rate_limit_errors(sqlite_server: RunningServer, mode: str) -> None:
    sdk = sdk_for(sqlite_server, mode, max_retries=0)
    with pytest.raises(AuthenticationError) as wrong:
        events_of(sdk, "ck_secret_not_a_real_one", "hi")
    assert wrong.value.code == "invalid_client_secret"

    session = new_session(sdk, per_minute=1)
    events_of(sdk, session.client_secret, "the one request this minute")
    with pytest.raises(RateLimitError) as limited:
        events_of(sdk, session.client_secret, "one too many")
    assert limited.value.status_code == 429
    assert int(limited.value.response.headers["retry-after"]) >= 1

    sdk.call(lambda c: c.chatkit.sessions.cancel(session.id))
    with pytest.raises(AuthenticationError) as cancelled:
        events_of(sdk, session.client_secret, "hi")
    assert cancelled.value.code == "session_cancelled"


class _PluggedResponder:
    """A responder for the runtime's seam: one whole message, or a failure."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        if self.fail:
            raise RuntimeError("the model provider is down")
        # One whole message, no deltas: what an Agent Builder export's reply looks like.
        yield ThreadItemDoneEvent(
            item=AssistantMessageItem(
                id=turn.new_item_id("message"),
                thread_id=turn.thread.id,
                created_at=datetime.now(),
                content=[AssistantMessageContent(text="all at once")],
            )
        )

    async def action(self, turn: Turn, action: Any, sender: Any) -> AsyncIterator[ThreadStreamEvent]:
        return
        yield

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return None


@pytest.fixture
def plugged(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path / "plugged", api_keys=(ADMIN_KEY,))
    app = create_app(settings, responder=_PluggedResponder(fail=request.param == "failing"))
    with serve_in_thread(app) as base_url:
        yield base_url


@pytest.mark.parametrize("plugged", ["whole"], indirect=True)
def test_reply_without_deltas_still_gives_text(plugged: str, mode: str) -> None:
    sdk = SDK(mode, base_url=plugged, api_key=ADMIN_KEY)
    secret = new_session(sdk).client_secret
    assert sdk.call(lambda c: c.chatkit.conversation(secret).ask("hi")) == "all at once"


@pytest.mark.parametrize("plugged", ["failing"], indirect=True)
def test_error_event_raises_stream_error(plugged: str, mode: str) -> None:
    sdk = SDK(mode, base_url=plugged, api_key=ADMIN_KEY)
    secret = new_session(sdk).client_secret
    with pytest.raises(StreamError) as caught:
        sdk.call(lambda c: c.chatkit.conversation(secret).ask("hi"))
    assert caught.value.code == "stream.error"
    assert caught.value.allow_retry is True
