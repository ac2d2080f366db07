"""The SDK against the running server, once with ``ChatKitHost`` and once with ``AsyncChatKitHost``.

Every test takes ``sdk``, which runs the same code through either client: ``sdk.call(fn)`` gives ``fn`` a
fresh client and awaits what it returns when the client is async; ``sdk.items``/``sdk.pages`` walk pages
with ``for``/``async for`` and ``next_page()``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from chatkit_host import (
    AsyncChatKitHost,
    AsyncPage,
    ChatKitHost,
    ChatSession,
    NotFoundError,
    UserMessageItem,
    WorkflowParam,
)
from tests.support.sdk import SDK, sdk_for
from tests.support.seed import seed_threads
from tests.support.servers import RunningServer


def test_seed_usage(server: RunningServer, mode: str) -> None:
    sdk = sdk_for(server, mode)
    session = sdk.call(lambda c: c.chatkit.sessions.create(user="user_123", workflow={"id": "default"}))
    assert isinstance(session, ChatSession)
    assert session.workflow.id == "default"
    assert session.workflow.tracing.enabled is True
    assert session.user == "user_123"
    assert session.status == "active"
    assert session.client_secret

    thread_ids = seed_threads(server.settings, ["user_123", "someone_else", "user_123"], per_thread_messages=2)
    listed = sdk.items(lambda c: c.chatkit.threads.list(user="user_123"))
    assert [t.id for t in listed] == [thread_ids[2], thread_ids[0]]

    thread = sdk.call(lambda c: c.beta.chatkit.threads.retrieve(thread_ids[0]))
    assert (thread.id, thread.user, thread.status.type) == (thread_ids[0], "user_123", "active")
    items = sdk.items(lambda c: c.chatkit.threads.list_items(thread_ids[0], order="asc"))
    assert isinstance(items[0], UserMessageItem)
    assert [i.type for i in items] == ["chatkit.user_message", "chatkit.assistant_message"]
    assert items[0].content[0].text == "question 0"

    cancelled = sdk.call(lambda c: c.chatkit.sessions.cancel(session.id))
    assert (cancelled.id, cancelled.status) == (session.id, "cancelled")
    again = sdk.call(lambda c: c.chatkit.sessions.retrieve(session.id))
    assert again.status == "cancelled"

    deleted = sdk.call(lambda c: c.chatkit.threads.delete(thread_ids[0]))
    assert (deleted.id, deleted.deleted) == (thread_ids[0], True)
    with pytest.raises(NotFoundError) as caught:
        sdk.call(lambda c: c.chatkit.threads.retrieve(thread_ids[0]))
    assert caught.value.param == "thread_id"


def test_beta_is_an_alias(sqlite_server: RunningServer) -> None:
    with ChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key) as client:
        assert client.beta.chatkit is client.chatkit


def test_create_takes_models_and_options(sqlite_server: RunningServer, mode: str) -> None:
    sdk = sdk_for(sqlite_server, mode)
    session = sdk.call(
        lambda c: c.chatkit.sessions.create(
            user="u",
            workflow=WorkflowParam(id="default", state_variables={"plan": "pro"}, tracing={"enabled": False}),
            expires_after={"anchor": "created_at", "seconds": 60},
            rate_limits={"max_requests_per_1_minute": 3},
            chatkit_configuration={"file_upload": {"enabled": True}},
        )
    )
    assert session.workflow.state_variables == {"plan": "pro"}
    assert session.workflow.tracing.enabled is False
    assert session.max_requests_per_1_minute == 3
    assert session.chatkit_configuration.file_upload.enabled is True


def test_paging_across_pages(server: RunningServer, mode: str) -> None:
    sdk = sdk_for(server, mode)
    created = seed_threads(server.settings, [f"user_{n}" for n in range(7)])
    newest_first = list(reversed(created))

    assert [t.id for t in sdk.items(lambda c: c.chatkit.threads.list(limit=2))] == newest_first
    assert [t.id for t in sdk.items(lambda c: c.chatkit.threads.list(limit=3, order="asc"))] == created

    pages = sdk.pages(lambda c: c.chatkit.threads.list(limit=2))
    assert [[t.id for t in data] for data, _ in pages] == [newest_first[i : i + 2] for i in range(0, 7, 2)]
    assert [has_more for _, has_more in pages] == [True, True, True, False]

    # Paging backwards with only ``before`` keeps walking towards the front of the list.
    backwards = sdk.pages(lambda c: c.chatkit.threads.list(limit=2, before=newest_first[5]))
    assert [[t.id for t in data] for data, _ in backwards] == [newest_first[3:5], newest_first[1:3], newest_first[0:1]]

    starting_after = sdk.items(lambda c: c.chatkit.threads.list(limit=2, after=newest_first[1]))
    assert [t.id for t in starting_after] == newest_first[2:]


def test_item_paging(sqlite_server: RunningServer, mode: str) -> None:
    sdk = sdk_for(sqlite_server, mode)
    [thread_id] = seed_threads(sqlite_server.settings, ["u"], per_thread_messages=5)
    items = sdk.items(lambda c: c.chatkit.threads.list_items(thread_id, limit=2, order="asc"))
    assert [i.content[0].text for i in items] == ["question 0", "answer 1", "question 2", "answer 3", "question 4"]
    pages = sdk.pages(lambda c: c.chatkit.threads.list_items(thread_id, limit=2))
    assert [len(data) for data, _ in pages] == [2, 2, 1]


def test_session_list(sqlite_server: RunningServer, mode: str) -> None:
    sdk = sdk_for(sqlite_server, mode)
    made = [
        sdk.call(lambda c, n=n: c.chatkit.sessions.create(user=f"u{n % 2}", workflow={"id": "default"}))
        for n in range(5)
    ]
    mine = sdk.items(lambda c: c.chatkit.sessions.list(user="u0", limit=1))
    assert [s.id for s in mine] == [made[4].id, made[2].id, made[0].id]


def test_awaiting_an_async_list_gives_the_first_page(sqlite_server: RunningServer) -> None:
    seed_threads(sqlite_server.settings, ["a", "b", "c"])

    async def main() -> None:
        async with AsyncChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key) as client:
            page = await client.chatkit.threads.list(limit=2)
            assert isinstance(page, AsyncPage)
            assert (len(page.data), page.has_more, page.last_id) == (2, True, page.data[-1].id)

    asyncio.run(main())


def test_environment_supplies_base_url_and_key(
    sqlite_server: RunningServer, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHATKIT_HOST_BASE_URL", sqlite_server.base_url + "/v1")
    monkeypatch.setenv("CHATKIT_HOST_API_KEY", sqlite_server.admin_key)
    [thread_id] = seed_threads(sqlite_server.settings, ["u"])
    assert SDK(mode).call(lambda c: c.chatkit.threads.retrieve(thread_id)).id == thread_id


def test_ported_openai_code_runs_unchanged(sqlite_server: RunningServer) -> None:
    """The snippet from issue 2, written for ``openai``, with only the constructor swapped."""
    seed_threads(sqlite_server.settings, ["user_123"] * 3)

    def app_code(client: Any) -> tuple[str, bool, int]:
        session = client.beta.chatkit.sessions.create(user="user_123", workflow={"id": "default"})
        count = sum(1 for _ in client.beta.chatkit.threads.list(limit=1))
        client.beta.chatkit.sessions.cancel(session.id)
        return session.workflow.id, session.workflow.tracing.enabled, count

    ours = ChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key)
    sqlite_server.stack.callback(ours.close)
    assert app_code(ours) == app_code(sqlite_server.openai()) == ("default", True, 3)
