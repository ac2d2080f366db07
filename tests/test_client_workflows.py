"""``client.chatkit.workflows``, ``.traces`` and ``.usage`` against the running server, sync and async."""

from __future__ import annotations

from typing import Any

import pytest

from chatkit_host import BadRequestError, NotFoundError
from chatkit_host.types.workflows import Workflow, WorkflowVersion
from tests.support.sdk import SDK, sdk_for
from tests.support.servers import RunningServer
from tests.support.workflows import HELPER_WORKFLOW


def chat_once(sdk: SDK, secret: str, text: str) -> str:
    if sdk.mode == "sync":

        def run(client: Any) -> str:
            chat = client.chatkit.conversation(secret)
            chat.ask(text)
            return str(chat.thread_id)

        return sdk.call(run)

    async def run_async(client: Any) -> str:
        chat = client.chatkit.conversation(secret)
        await chat.ask(text)
        return str(chat.thread_id)

    return sdk.call(run_async)


def test_publish_versions_latest_archive(server: RunningServer, mode: str) -> None:
    sdk = sdk_for(server, mode)
    first = sdk.call(lambda c: c.chatkit.workflows.publish(id="support", source=HELPER_WORKFLOW, name="Support"))
    assert isinstance(first, WorkflowVersion)
    assert (first.workflow_id, first.version, first.is_latest, first.agents) == ("support", "1", True, ["helper"])
    assert first.state_variables["tier"].default == "free"

    second = sdk.call(
        lambda c: c.chatkit.workflows.versions.create(
            "support", source=HELPER_WORKFLOW.replace("Help", "Assist"), make_latest=False
        )
    )
    assert (second.version, second.is_latest) == ("2", False)
    versions = sdk.items(lambda c: c.chatkit.workflows.versions.list("support", limit=1))
    assert [(v.version, v.is_latest) for v in versions] == [("2", False), ("1", True)]
    source = sdk.call(lambda c: c.chatkit.workflows.versions.retrieve("support", "2")).source
    assert source is not None and "Assist" in source

    latest = sdk.call(lambda c: c.chatkit.workflows.set_latest("support", version="2"))
    assert isinstance(latest, Workflow) and (latest.latest_version, latest.version_count) == ("2", 2)
    listed = sdk.items(lambda c: c.chatkit.workflows.list())
    assert [w.id for w in listed] == ["default", "support"]
    assert listed[0].builtin is True

    archived = sdk.call(lambda c: c.chatkit.workflows.archive("support"))
    assert archived.archived is True
    with pytest.raises(BadRequestError) as refused:
        sdk.call(lambda c: c.chatkit.sessions.create(user="u", workflow={"id": "support"}))
    assert refused.value.code == "workflow_archived"
    assert [w.id for w in sdk.items(lambda c: c.chatkit.workflows.list())] == ["default"]
    assert "support" in [w.id for w in sdk.items(lambda c: c.chatkit.workflows.list(include_archived=True))]

    with pytest.raises(NotFoundError) as missing:
        sdk.call(lambda c: c.chatkit.workflows.retrieve("nope"))
    assert missing.value.code == "workflow_not_found"


def test_traces_and_usage_of_a_conversation(sqlite_server: RunningServer, mode: str) -> None:
    sdk = sdk_for(sqlite_server, mode)
    sdk.call(lambda c: c.chatkit.workflows.publish(id="support", source=HELPER_WORKFLOW))
    session = sdk.call(
        lambda c: c.chatkit.sessions.create(
            user="alice", workflow={"id": "support", "state_variables": {"tier": "pro"}}
        )
    )
    thread_id = chat_once(sdk, session.client_secret, "hello")

    [trace] = sdk.items(lambda c: c.chatkit.traces.list(thread_id=thread_id))
    assert (trace.workflow.id, trace.workflow.version, trace.user, trace.status) == (
        "support",
        "1",
        "alice",
        "completed",
    )
    assert trace.session_id == session.id and trace.spans is None
    full = sdk.call(lambda c: c.chatkit.traces.retrieve(trace.id))
    assert full.spans is not None
    kinds = [span.kind for span in full.spans]
    assert kinds[0] == "run" and "agent" in kinds and "model" in kinds
    model_span = next(span for span in full.spans if span.kind == "model")
    assert model_span.input_tokens and model_span.output_tokens
    assert full.usage.total_tokens == full.usage.input_tokens + full.usage.output_tokens > 0

    usage = sdk.call(lambda c: c.chatkit.usage.retrieve(group_by="user"))
    [row] = usage.data
    assert (row.key, row.runs, row.total_tokens) == ("alice", 1, full.usage.total_tokens)
    assert sdk.items(lambda c: c.chatkit.traces.list(user="bob")) == []
