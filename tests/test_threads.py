"""``/v1/chatkit/threads`` through the official ``openai`` SDK: listing, paging, retrieval, deletion, items."""

from __future__ import annotations

import openai
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatkit_host.server.api.threads import ThreadListQuery
from chatkit_host.server.errors import BadRequest
from chatkit_host.server.http.inputs import _quick_query, query_values, validated_query
from tests.support.seed import seed_threads
from tests.support.servers import RunningServer


def test_auto_paging_walks_every_thread_across_pages(server: RunningServer) -> None:
    created = seed_threads(server.settings, [f"user{n % 3}" for n in range(25)])
    client = server.openai()
    seen = [t.id for t in client.beta.chatkit.threads.list(limit=4)]
    assert seen == list(reversed(created))
    ascending = [t.id for t in client.beta.chatkit.threads.list(limit=7, order="asc")]
    assert ascending == created
    only_user1 = [t.id for t in client.beta.chatkit.threads.list(limit=2, user="user1")]
    assert only_user1 == [t for n, t in enumerate(created) if n % 3 == 1][::-1]


def test_first_page_shape(server: RunningServer) -> None:
    created = seed_threads(server.settings, ["a", "b", "c"])
    body = server.admin().get("/v1/chatkit/threads", params={"limit": 2}).json()
    assert body["object"] == "list"
    assert [t["id"] for t in body["data"]] == [created[2], created[1]]
    assert body["first_id"] == created[2]
    assert body["last_id"] == created[1]
    assert body["has_more"] is True
    thread = body["data"][0]
    assert thread == {
        "id": created[2],
        "object": "chatkit.thread",
        "created_at": thread["created_at"],
        "title": "thread of c",
        "status": {"type": "active"},
        "user": "c",
    }
    empty = server.admin().get("/v1/chatkit/threads", params={"limit": 0}).json()
    assert empty["data"] == [] and empty["has_more"] is True


def test_retrieve_and_delete(server: RunningServer) -> None:
    (thread_id,) = seed_threads(server.settings, ["alice"], per_thread_messages=4)
    client = server.openai()
    thread = client.beta.chatkit.threads.retrieve(thread_id)
    assert (thread.id, thread.user, thread.title, thread.status.type) == (
        thread_id,
        "alice",
        "thread of alice",
        "active",
    )
    deleted = client.beta.chatkit.threads.delete(thread_id)
    assert (deleted.id, deleted.object, deleted.deleted) == (thread_id, "chatkit.thread.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.beta.chatkit.threads.retrieve(thread_id)
    with pytest.raises(openai.NotFoundError):
        client.beta.chatkit.threads.list_items(thread_id)
    with pytest.raises(openai.NotFoundError):
        client.beta.chatkit.threads.delete(thread_id)


def test_list_items_pages_in_both_orders(server: RunningServer) -> None:
    (thread_id,) = seed_threads(server.settings, ["alice"], per_thread_messages=9)
    client = server.openai()
    items = list(client.beta.chatkit.threads.list_items(thread_id, limit=2, order="asc"))
    assert len(items) == 9
    assert [i.type for i in items[:2]] == ["chatkit.user_message", "chatkit.assistant_message"]
    assert items[0].content[0].text == "question 0"  # type: ignore[union-attr]
    assert items[1].content[0].text == "answer 1"  # type: ignore[union-attr]
    assert all(i.thread_id == thread_id and i.object == "chatkit.thread_item" for i in items)
    newest_first = [i.id for i in client.beta.chatkit.threads.list_items(thread_id, limit=4)]
    assert newest_first == [i.id for i in reversed(items)]


def test_deleted_cursor_keeps_working(server: RunningServer) -> None:
    created = seed_threads(server.settings, ["u"] * 6)
    client = server.openai()
    first = client.beta.chatkit.threads.list(limit=3)
    assert first.last_id == created[3]
    client.beta.chatkit.threads.delete(created[3])  # another client deletes the cursor's thread
    rest = client.beta.chatkit.threads.list(limit=3, after=first.last_id)
    assert [t.id for t in rest.data] == [created[2], created[1], created[0]]


@pytest.mark.parametrize(
    "cursor", ["nope", "cthi_01ARZ3NDEKTSV4RRFFQ69G5FAV", "cthr_short", "cthr_01ARZ3NDEKTSV4RRFFQ69G5FA!"]
)
def test_malformed_cursor_is_400(server: RunningServer, cursor: str) -> None:
    client = server.openai()
    for name in ("after", "before"):
        with pytest.raises(openai.BadRequestError) as info:
            client.beta.chatkit.threads.list(**{name: cursor})  # type: ignore[arg-type]
        assert info.value.body["param"] == name  # type: ignore[index]


@pytest.mark.parametrize("query", [{"limit": 101}, {"limit": -1}, {"limit": "x"}, {"order": "up"}, {"user": ""}])
def test_bad_list_query_is_400(server: RunningServer, query: dict[str, object]) -> None:
    response = server.admin().get("/v1/chatkit/threads", params=query)
    assert response.status_code == 400
    assert response.json()["error"]["param"] == next(iter(query))


@pytest.mark.parametrize(
    "query",
    ["limit=101", "limit=-1", "limit=x", "limit=1e2", "limit=0101", "order=up", "order=", "limit=5&limit=500"],
)
def test_paging_errors_match_between_the_fast_lane_and_fastapi(sqlite_server: RunningServer, query: str) -> None:
    # threads.list is answered by the fast lane (``http/endpoints.py`` ``FastLane``), items.list by FastAPI's
    # routing; both parse the query the one way (``http/inputs.py``). The same bad value must fail alike.
    admin = sqlite_server.admin()
    threads = admin.get(f"/v1/chatkit/threads?{query}")
    items = admin.get(f"/v1/chatkit/threads/cthr_01ARZ3NDEKTSV4RRFFQ69G5FAV/items?{query}")
    assert threads.status_code == items.status_code == 400
    assert threads.json() == items.json()


_QUERY_NAMES = st.sampled_from(["limit", "order", "after", "before", "user", "other", "limit%20", "us%65r"])
_QUERY_VALUES = st.one_of(
    st.integers(min_value=-5, max_value=1_000_000_000_000).map(str),
    st.sampled_from(["asc", "desc", "", "0", "00", "1e2", "+5", "DESC", "%61sc", "a+b", "x" * 513, "cthr_1"]),
    st.text(alphabet="abc019_-.~+%&= ", max_size=8),
)


@settings(max_examples=300, deadline=None)
@given(pairs=st.lists(st.tuples(_QUERY_NAMES, _QUERY_VALUES), max_size=4))
def test_the_quick_query_parser_gives_what_pydantic_gives(pairs: list[tuple[str, str]]) -> None:
    # The quick parser (taken for plain query strings: it is measured on threads.list) must give exactly the
    # values, or exactly the error, of the full path (Starlette's parsing, then the pydantic model).
    raw = "&".join(f"{name}={value}" for name, value in pairs).encode()
    outcomes = []
    for parse in (query_values, validated_query):
        try:
            outcomes.append(parse(ThreadListQuery, raw))
        except BadRequest as exc:
            outcomes.append(("error", exc.status, exc.message, exc.param, exc.code))
    assert outcomes[0] == outcomes[1]


def test_the_quick_query_parser_is_taken_for_plain_queries() -> None:
    # Without this, the equivalence above could hold because the quick path never ran.
    assert _quick_query(ThreadListQuery, b"limit=5&order=asc&user=u1") == {
        "limit": 5,
        "order": "asc",
        "after": None,
        "before": None,
        "user": "u1",
    }
    assert _quick_query(ThreadListQuery, b"limit=5&limit=6") is None


def test_unknown_ids_are_404(server: RunningServer) -> None:
    client = server.openai()
    for thread_id in ("cthr_01ARZ3NDEKTSV4RRFFQ69G5FAV", "not-an-id"):
        with pytest.raises(openai.NotFoundError):
            client.beta.chatkit.threads.retrieve(thread_id)


def test_errors_map_onto_sdk_exception_classes(server: RunningServer) -> None:
    from openai import OpenAI

    with OpenAI(base_url=server.base_url + "/v1", api_key="wrong", max_retries=0) as wrong:
        with pytest.raises(openai.AuthenticationError) as info:
            wrong.beta.chatkit.threads.list()
        assert info.value.status_code == 401
    session = server.openai().beta.chatkit.sessions.create(user="u", workflow={"id": "default"})
    # A session's client secret is not an admin key.
    with (
        OpenAI(base_url=server.base_url + "/v1", api_key=session.client_secret, max_retries=0) as as_session,
        pytest.raises(openai.AuthenticationError),
    ):
        as_session.beta.chatkit.threads.list()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_paging_returns_every_thread_exactly_once(
    server_with_threads: tuple[RunningServer, list[str]], data: st.DataObject
) -> None:
    server, created = server_with_threads
    order = data.draw(st.sampled_from(["asc", "desc"]))
    limit = data.draw(st.integers(min_value=1, max_value=12))
    direction = data.draw(st.sampled_from(["after", "before"]))
    client = server.admin()
    expected = created if order == "asc" else list(reversed(created))
    seen: list[str] = []
    params: dict[str, object] = {"order": order, "limit": limit}
    if direction == "after":
        while True:
            page = client.get("/v1/chatkit/threads", params=params).json()
            seen.extend(t["id"] for t in page["data"])
            if not page["has_more"]:
                break
            params["after"] = page["last_id"]
    else:
        # Walk backwards from past the end of the list, prepending each page.
        params["before"] = expected[-1]
        tail = client.get("/v1/chatkit/threads", params={"order": order, "limit": 1, "after": expected[-2]}).json()
        seen = [t["id"] for t in tail["data"]]
        while True:
            page = client.get("/v1/chatkit/threads", params=params).json()
            seen = [t["id"] for t in page["data"]] + seen
            if not page["has_more"]:
                break
            params["before"] = page["first_id"]
    assert seen == expected


@pytest.fixture
def server_with_threads(server: RunningServer) -> tuple[RunningServer, list[str]]:
    return server, seed_threads(server.settings, [f"u{n % 4}" for n in range(23)])
