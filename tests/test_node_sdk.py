"""The official ``openai`` Node SDK (tests/node, pinned by its package-lock.json) against the real server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.support.seed import seed_threads
from tests.support.servers import RunningServer
from tests.support.services import IN_CI

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "chatkit_compat.mjs"


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed"
    elif not (NODE_DIR / "node_modules" / "openai" / "package.json").is_file():
        reason = "tests/node/node_modules is absent: run `npm ci --prefix tests/node` (scripts/test does)"
    else:
        return node
    if IN_CI:
        pytest.fail(f"{reason}, and CI=true requires the Node SDK test")
    pytest.skip(reason)


def _run(node: str, server: RunningServer) -> dict[str, Any]:
    env = os.environ | {"CHATKIT_BASE_URL": server.base_url + "/v1", "CHATKIT_ADMIN_KEY": server.admin_key}
    result = subprocess.run([node, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120)
    lines = result.stdout.strip().splitlines()
    assert lines, f"no output (exit {result.returncode}): {result.stderr}"
    observed: dict[str, Any] = json.loads(lines[-1])
    assert result.returncode == 0 and observed["ok"], json.dumps(observed, indent=2) + result.stderr
    return observed


def test_node_sdk_sessions_threads_items_and_errors(server: RunningServer) -> None:
    node = _node()
    created = seed_threads(server.settings, [f"user{n % 3}" for n in range(7)], per_thread_messages=3)
    observed = _run(node, server)

    assert observed["session"]["workflow_id"] == "default"
    assert observed["session"]["tracing_enabled"] is True
    assert observed["session"]["client_secret_prefix"] == "cksec_"
    assert observed["cancelled"] == {"id": observed["session"]["id"], "status": "cancelled"}

    # Newest first, every thread once, over 4 pages of 2 (the SDK stops on has_more=false).
    assert observed["thread_ids"] == list(reversed(created))
    pages = observed["thread_list_requests"]
    assert len(pages) == 4
    assert pages[0] == "GET /v1/chatkit/threads?limit=2"
    assert pages[1:] == [f"GET /v1/chatkit/threads?limit=2&after={created[n]}" for n in (5, 3, 1)]

    newest = created[-1]
    assert observed["retrieved"] == {"id": newest, "object": "chatkit.thread", "user": "user0", "status": "active"}
    assert [(i["type"], i["text"]) for i in observed["items"]] == [
        ("chatkit.user_message", "question 0"),
        ("chatkit.assistant_message", "answer 1"),
        ("chatkit.user_message", "question 2"),
    ]
    assert len(observed["item_list_requests"]) == 2
    assert observed["deleted"] == {"id": newest, "object": "chatkit.thread.deleted", "deleted": True}
    remaining = [t.id for t in server.openai().beta.chatkit.threads.list()]
    assert remaining == list(reversed(created[:-1]))

    errors = observed["errors"]
    assert errors["wrong_key"] == {
        "class": "AuthenticationError",
        "status": 401,
        "type": "invalid_request_error",
        "param": None,
        "code": "invalid_api_key",
    }
    assert errors["session_secret_as_key"]["class"] == "AuthenticationError"
    for name in ("deleted_thread", "deleted_thread_items", "unknown_workflow"):
        assert (errors[name]["class"], errors[name]["status"]) == ("NotFoundError", 404), name
    assert errors["deleted_thread"]["param"] == "thread_id"
    assert (errors["unknown_workflow"]["param"], errors["unknown_workflow"]["code"]) == (
        "workflow.id",
        "workflow_not_found",
    )
    for name, param in (("bad_cursor", "after"), ("bad_limit", "limit")):
        assert (errors[name]["class"], errors[name]["status"], errors[name]["param"]) == (
            "BadRequestError",
            400,
            param,
        )
        assert errors[name]["type"] == "invalid_request_error"
