"""Responses validate against the schemas of ``../shared/spec/chatkit-openapi.yaml``, and the paths match it."""

from __future__ import annotations

from tests.support.seed import seed_threads
from tests.support.servers import RunningServer
from tests.support.spec import assert_matches, spec_paths


def test_every_spec_path_is_served_with_its_methods(sqlite_server: RunningServer) -> None:
    ours = sqlite_server.client().get("/openapi.json").json()["paths"]
    for path, methods in spec_paths().items():
        local = "/v1" + path
        assert local in ours, f"{local} is in the spec but not served"
        assert methods <= set(ours[local]), (local, methods, set(ours[local]))


def test_session_bodies_match_the_spec(server: RunningServer) -> None:
    admin = server.admin()
    created = admin.post("/v1/chatkit/sessions", json={"user": "u", "workflow": {"id": "default"}}).json()
    assert_matches("ChatSessionResource", created)
    full = admin.post(
        "/v1/chatkit/sessions",
        json={
            "user": "u",
            # No integer here: the spec lists integer and number under oneOf, so any integer matches two branches
            # and no integer value can validate; the official SDK types (StrictInt | StrictFloat) accept them.
            "workflow": {"id": "default", "version": "1", "state_variables": {"b": "x", "c": True, "d": 1.5}},
            "chatkit_configuration": {"history": {"recent_threads": 3}, "file_upload": {"enabled": True}},
        },
    ).json()
    assert_matches("ChatSessionResource", full)
    cancelled = admin.post(f"/v1/chatkit/sessions/{created['id']}/cancel").json()
    assert_matches("ChatSessionResource", cancelled)


def test_thread_bodies_match_the_spec(server: RunningServer) -> None:
    (thread_id, _) = seed_threads(server.settings, ["alice", "bob"], per_thread_messages=4)
    admin = server.admin()
    assert_matches("ThreadListResource", admin.get("/v1/chatkit/threads", params={"limit": 1}).json())
    assert_matches("ThreadListResource", admin.get("/v1/chatkit/threads", params={"user": "nobody"}).json())
    assert_matches("ThreadResource", admin.get(f"/v1/chatkit/threads/{thread_id}").json())
    items = admin.get(f"/v1/chatkit/threads/{thread_id}/items").json()
    assert len(items["data"]) == 4
    assert_matches("ThreadItemListResource", items)
    assert_matches("DeletedThreadResource", admin.delete(f"/v1/chatkit/threads/{thread_id}").json())
