"""``client.chatkit.feedback.list``: feedback given through the runtime, read back over the REST API."""

from __future__ import annotations

import pytest

from chatkit_host import AuthenticationError, ChatKitHost, Feedback
from chatkit_host.server.api.feedback import Feedback as ServerFeedback
from tests.support.feedback import give_feedback
from tests.support.sdk import sdk_for
from tests.support.servers import RunningServer


def test_the_wire_type_matches_the_server() -> None:
    ours, theirs = Feedback.model_json_schema(), ServerFeedback.model_json_schema()
    assert (ours["properties"], ours["required"]) == (theirs["properties"], theirs["required"])


def test_list_feedback(sqlite_server: RunningServer, mode: str) -> None:
    first_thread, first_item = give_feedback(sqlite_server, "ann", "positive")
    second_thread, _ = give_feedback(sqlite_server, "ben", "negative")
    sdk = sdk_for(sqlite_server, mode)

    everything = sdk.items(lambda c: c.chatkit.feedback.list(limit=1))  # walks pages of one
    assert [(f.thread_id, f.kind, f.user) for f in everything] == [
        (second_thread, "negative", "ben"),
        (first_thread, "positive", "ann"),
    ]
    assert all(isinstance(f, Feedback) for f in everything)

    [only] = sdk.call(lambda c: c.chatkit.feedback.list(thread_id=first_thread)).data  # first page (awaited)
    assert (only.item_id, only.kind) == (first_item, "positive")


def test_feedback_needs_the_admin_key(sqlite_server: RunningServer) -> None:
    client = ChatKitHost(base_url=sqlite_server.base_url, api_key="wrong", max_retries=0)
    with client, pytest.raises(AuthenticationError):
        client.chatkit.feedback.list()
