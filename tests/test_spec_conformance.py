"""Responses match the contract: strictly the official ``openai`` types, and ``../shared``'s OpenAPI spec when present.

Every body goes through ``assert_conforms`` (``tests/support/spec.py``): parsed in strict mode by the
``openai`` package's ChatKit model, with no undeclared key at any depth, and validated against the spec's
schema too when ``../shared/spec/chatkit-openapi.yaml`` is beside the repository. Nothing here skips without it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from openai.types.beta.chatkit import ChatKitThread, ChatKitThreadItemList, ChatSession, ThreadDeleteResponse
from pydantic import ValidationError

from tests.support.openai_shapes import ChatKitThreadList, assert_openai_shape, sdk_paths
from tests.support.seed import seed_threads
from tests.support.servers import RunningServer
from tests.support.spec import assert_conforms, spec_paths, spec_present


def test_every_contract_path_is_served_with_its_methods(sqlite_server: RunningServer) -> None:
    ours = sqlite_server.client().get("/openapi.json").json()["paths"]
    contract = sdk_paths()
    assert len(contract) >= 5 and sum(map(len, contract.values())) >= 6  # the SDK's resources were read
    if spec_present():
        contract = {p: contract.get(p, set()) | spec_paths()[p] for p in contract.keys() | spec_paths().keys()}
    for path, methods in contract.items():
        local = "/v1" + path
        assert local in ours, f"{local} is in the contract but not served"
        assert methods <= set(ours[local]), (local, methods, set(ours[local]))


def test_session_bodies_match_the_contract(server: RunningServer) -> None:
    admin = server.admin()
    created = admin.post("/v1/chatkit/sessions", json={"user": "u", "workflow": {"id": "default"}}).json()
    assert assert_conforms(ChatSession, "ChatSessionResource", created).status == "active"
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
    parsed = assert_conforms(ChatSession, "ChatSessionResource", full)
    assert parsed.chatkit_configuration.file_upload.enabled is True
    cancelled = admin.post(f"/v1/chatkit/sessions/{created['id']}/cancel").json()
    assert assert_conforms(ChatSession, "ChatSessionResource", cancelled).status == "cancelled"


def test_thread_bodies_match_the_contract(server: RunningServer) -> None:
    (thread_id, _) = seed_threads(server.settings, ["alice", "bob"], per_thread_messages=4)
    admin = server.admin()
    page = admin.get("/v1/chatkit/threads", params={"limit": 1}).json()
    assert len(assert_conforms(ChatKitThreadList, "ThreadListResource", page).data) == 1  # type: ignore[attr-defined]
    empty = admin.get("/v1/chatkit/threads", params={"user": "nobody"}).json()
    assert assert_conforms(ChatKitThreadList, "ThreadListResource", empty).data == []  # type: ignore[attr-defined]
    thread = assert_conforms(ChatKitThread, "ThreadResource", admin.get(f"/v1/chatkit/threads/{thread_id}").json())
    assert (thread.id, thread.user) == (thread_id, "alice")
    items = admin.get(f"/v1/chatkit/threads/{thread_id}/items").json()
    assert len(assert_conforms(ChatKitThreadItemList, "ThreadItemListResource", items).data) == 4
    deleted = admin.delete(f"/v1/chatkit/threads/{thread_id}").json()
    assert assert_conforms(ThreadDeleteResponse, "DeletedThreadResource", deleted).deleted is True


def _session_body(server: RunningServer) -> dict[str, Any]:
    body: dict[str, Any] = (
        server.admin().post("/v1/chatkit/sessions", json={"user": "u", "workflow": {"id": "default"}}).json()
    )
    return body


# Each change to a real body that the strict check must refuse: (description, how to break the body).
BROKEN: list[tuple[str, Any]] = [
    ("an extra top-level key", lambda b: b.update(surprise=1)),
    (
        "a misspelled optional key",
        lambda b: b["chatkit_configuration"].update(histroy=b["chatkit_configuration"].pop("history")),
    ),
    ("a misspelled required key", lambda b: b.update(client_secrt=b.pop("client_secret"))),
    ("an extra key deep inside", lambda b: b["workflow"]["tracing"].update(sampled=True)),
    ("a number as a string", lambda b: b.update(expires_at=str(b["expires_at"]))),
    ("a bool as an int", lambda b: b["chatkit_configuration"]["file_upload"].update(enabled=1)),
    ("a missing required field", lambda b: b.pop("user")),
    ("a wrong literal", lambda b: b.update(object="chatkit.sessions")),
]


@pytest.mark.parametrize("breaks", [b for _, b in BROKEN], ids=[d for d, _ in BROKEN])
def test_the_strict_check_refuses_a_body_off_the_contract(sqlite_server: RunningServer, breaks: Any) -> None:
    body = _session_body(sqlite_server)
    assert_openai_shape(ChatSession, body)  # the real body passes ...
    broken = copy.deepcopy(body)
    breaks(broken)
    with pytest.raises((AssertionError, ValidationError)):  # ... and a broken copy does not
        assert_openai_shape(ChatSession, broken)


def test_the_strict_check_looks_inside_lists_and_unions(sqlite_server: RunningServer) -> None:
    [thread_id] = seed_threads(sqlite_server.settings, ["alice"], per_thread_messages=2)
    items = sqlite_server.admin().get(f"/v1/chatkit/threads/{thread_id}/items").json()
    assert_openai_shape(ChatKitThreadItemList, items)
    for path in (("data", 1), ("data", 1, "content", 0)):  # a message, and its first content part
        broken = copy.deepcopy(items)
        target = broken
        for key in path:
            target = target[key]
        target["annotationz"] = []
        with pytest.raises(AssertionError, match="annotationz"):
            assert_openai_shape(ChatKitThreadItemList, broken)
    wrong_kind = copy.deepcopy(items)
    wrong_kind["data"][0]["type"] = "chatkit.user_mesage"  # no variant of the item union has this type
    with pytest.raises(ValidationError):
        assert_openai_shape(ChatKitThreadItemList, wrong_kind)
