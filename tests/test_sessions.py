"""``/v1/chatkit/sessions`` through the official ``openai`` SDK and raw HTTP."""

from __future__ import annotations

import time

import openai
import pytest

from tests.support.servers import RunningServer


def test_create_session_resolves_every_default(server: RunningServer) -> None:
    client = server.openai()
    before = int(time.time())
    session = client.beta.chatkit.sessions.create(user="alice", workflow={"id": "default"})
    assert session.id.startswith("cksess_")
    assert session.object == "chatkit.session"
    assert session.user == "alice"
    assert session.status == "active"
    assert session.workflow.id == "default"
    assert session.workflow.version is None
    assert session.workflow.state_variables is None
    assert session.workflow.tracing.enabled is True
    assert session.rate_limits.max_requests_per_1_minute == 10
    assert session.max_requests_per_1_minute == 10
    assert before + 600 <= session.expires_at <= int(time.time()) + 600
    config = session.chatkit_configuration
    assert config.automatic_thread_titling.enabled is True
    assert (config.file_upload.enabled, config.file_upload.max_files, config.file_upload.max_file_size) == (
        False,
        10,
        512,
    )
    assert config.history.enabled is True
    assert config.history.recent_threads is None
    assert session.client_secret.startswith("cksec_")
    assert len(session.client_secret) >= len("cksec_") + 43  # 256 bits, base64url


def test_create_session_with_overrides(server: RunningServer) -> None:
    session = server.openai().beta.chatkit.sessions.create(
        user="bob",
        workflow={
            "id": "default",
            "version": "1",
            "state_variables": {"tier": "gold", "n": 3, "vip": True},
            "tracing": {"enabled": False},
        },
        expires_after={"anchor": "created_at", "seconds": 60},
        rate_limits={"max_requests_per_1_minute": 42},
        chatkit_configuration={
            "automatic_thread_titling": {"enabled": False},
            "file_upload": {"enabled": True, "max_file_size": 5, "max_files": 2},
            "history": {"enabled": False, "recent_threads": 7},
        },
    )
    assert session.workflow.version == "1"
    assert session.workflow.state_variables == {"tier": "gold", "n": 3, "vip": True}
    assert session.workflow.tracing.enabled is False
    assert session.max_requests_per_1_minute == 42
    assert session.expires_at - int(time.time()) <= 60
    config = session.chatkit_configuration
    assert config.automatic_thread_titling.enabled is False
    assert (config.file_upload.enabled, config.file_upload.max_file_size, config.file_upload.max_files) == (
        True,
        5,
        2,
    )
    assert (config.history.enabled, config.history.recent_threads) == (False, 7)


def test_secrets_are_unique_and_only_their_hash_is_stored(sqlite_server: RunningServer) -> None:
    import sqlite3

    client = sqlite_server.openai()
    secrets = {
        client.beta.chatkit.sessions.create(user="u", workflow={"id": "default"}).client_secret for _ in range(5)
    }
    assert len(secrets) == 5
    db = sqlite3.connect(sqlite_server.settings.data_dir / "chatkit.db")
    dump = "\n".join(db.iterdump())
    for secret in secrets:
        assert secret not in dump


def test_cancel_is_idempotent_and_hides_the_secret(server: RunningServer) -> None:
    client = server.openai()
    session = client.beta.chatkit.sessions.create(user="carol", workflow={"id": "default"})
    cancelled = client.beta.chatkit.sessions.cancel(session.id)
    assert cancelled.id == session.id
    assert cancelled.status == "cancelled"
    assert cancelled.client_secret != session.client_secret
    again = client.beta.chatkit.sessions.cancel(session.id)
    assert again.status == "cancelled"


def test_expired_session_reports_expired(server: RunningServer) -> None:
    client = server.openai()
    session = client.beta.chatkit.sessions.create(
        user="dave", workflow={"id": "default"}, expires_after={"anchor": "created_at", "seconds": 1}
    )
    time.sleep(1.1)
    assert client.beta.chatkit.sessions.cancel(session.id).status == "cancelled"
    other = client.beta.chatkit.sessions.create(
        user="dave", workflow={"id": "default"}, expires_after={"anchor": "created_at", "seconds": 1}
    )
    time.sleep(1.1)
    # Listing sessions is an extension; the status is derived on every read, no job needed.
    listed = server.admin().get("/v1/chatkit/sessions", params={"user": "dave"}).json()
    statuses = {s["id"]: s["status"] for s in listed["data"]}
    assert statuses == {session.id: "cancelled", other.id: "expired"}


def test_unknown_session_cancel_is_not_found(server: RunningServer) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        server.openai().beta.chatkit.sessions.cancel("cksess_01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert info.value.body["param"] == "session_id"  # type: ignore[index]


def test_unknown_workflow_is_not_found_with_param(server: RunningServer) -> None:
    with pytest.raises(openai.NotFoundError) as info:
        server.openai().beta.chatkit.sessions.create(user="x", workflow={"id": "wf_missing"})
    assert info.value.body["param"] == "workflow.id"  # type: ignore[index]


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"workflow": {"id": "default"}}, "user"),
        ({"user": "", "workflow": {"id": "default"}}, "user"),
        ({"user": "x" * 513, "workflow": {"id": "default"}}, "user"),
        ({"user": "u"}, "workflow"),
        (
            {
                "user": "u",
                "workflow": {"id": "default"},
                "expires_after": {"anchor": "created_at", "seconds": 0},
            },
            "expires_after.seconds",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "default"},
                "expires_after": {"anchor": "created_at", "seconds": 601},
            },
            "expires_after.seconds",
        ),
        (
            {"user": "u", "workflow": {"id": "default"}, "expires_after": {"anchor": "now", "seconds": 60}},
            "expires_after.anchor",
        ),
        (
            {"user": "u", "workflow": {"id": "default"}, "rate_limits": {"max_requests_per_1_minute": 0}},
            "rate_limits.max_requests_per_1_minute",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "default"},
                "chatkit_configuration": {"file_upload": {"max_file_size": 513}},
            },
            "chatkit_configuration.file_upload.max_file_size",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "default"},
                "chatkit_configuration": {"file_upload": {"max_files": 0}},
            },
            "chatkit_configuration.file_upload.max_files",
        ),
        (
            {
                "user": "u",
                "workflow": {"id": "default"},
                "chatkit_configuration": {"history": {"recent_threads": 0}},
            },
            "chatkit_configuration.history.recent_threads",
        ),
        (
            {"user": "u", "workflow": {"id": "default", "state_variables": {"k": [1]}}},
            "workflow.state_variables.k",
        ),
        (
            {"user": "u", "workflow": {"id": "default", "state_variables": {"k" * 65: 1}}},
            "workflow.state_variables",
        ),
        (
            {"user": "u", "workflow": {"id": "default", "state_variables": {f"k{i}": i for i in range(65)}}},
            "workflow.state_variables",
        ),
        ({"user": "u", "workflow": {"id": "default"}, "surprise": 1}, "surprise"),
        ({"user": 5, "workflow": {"id": "default"}}, "user"),
    ],
)
def test_invalid_create_bodies_are_400_with_param(server: RunningServer, body: dict[str, object], param: str) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        # The generic request path, since the typed method would refuse some of these bodies itself.
        server.openai().post("/chatkit/sessions", body=body, cast_to=object)
    error = info.value.body
    assert isinstance(error, dict)
    assert error["type"] == "invalid_request_error"
    assert str(error["param"]).startswith(param), error
