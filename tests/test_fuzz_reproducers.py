"""The 5xx the issue's fuzzing found (issue 13 item 4), one by one: each is now the 4xx that names its input.

The fuzz suites (``tests/test_fuzz_rest.py``, ``tests/test_fuzz_runtime.py``) check the bar over many inputs;
this module pins the answer to each reproducer, on both databases, so a regression says exactly which.
"""

from __future__ import annotations

from typing import Any

import httpx

from tests.support.fuzz import breach, seed
from tests.support.servers import MakeServer


def _error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert breach(response) is None, response.text
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    return error


def test_each_reproducer_is_a_4xx_naming_its_input(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend)
    objects = seed(server)
    admin = server.admin()
    session = {"user": "u", "workflow": {"id": "default"}}

    # Text that reaches the store: NUL in a body string, a filter, a path value.
    for body, param in [
        ({**session, "user": "a\x00b"}, "user"),
        ({**session, "workflow": {"id": "wf\x00"}}, "workflow.id"),
        ({**session, "workflow": {"id": "default", "state_variables": {"k\x00": 1}}}, "workflow.state_variables.k\x00"),
    ]:
        error = _error(admin.post("/v1/chatkit/sessions", json=body), 400)
        assert (error["param"], error["code"]) == (param, "invalid_value")
    assert _error(admin.get("/v1/chatkit/threads", params={"user": "\x00"}), 400)["param"] == "user"
    assert _error(admin.get("/v1/chatkit/traces", params={"workflow_id": "a\x00"}), 400)["param"] == "workflow_id"
    assert _error(admin.get("/v1/chatkit/workflows/%00"), 400)["param"] == "workflow_id"

    # Integers above PostgreSQL's 32-bit columns.
    for config, param in [
        ({"rate_limits": {"max_requests_per_1_minute": 2**31}}, "rate_limits.max_requests_per_1_minute"),
        ({"file_upload": {"max_files": 2**40}}, "chatkit_configuration.file_upload.max_files"),
        ({"history": {"recent_threads": 10**30}}, "chatkit_configuration.history.recent_threads"),
    ]:
        if "rate_limits" not in config:
            config = {"chatkit_configuration": config}
        assert _error(admin.post("/v1/chatkit/sessions", json={**session, **config}), 400)["param"] == param
    limits = {"rate_limits": {"max_requests_per_1_minute": 2**31 - 1}}
    assert admin.post("/v1/chatkit/sessions", json={**session, **limits}).status_code == 200  # the largest is fine

    # Version numbers: digits that are not ASCII, and numbers past the column, name no version.
    workflow = f"/v1/chatkit/workflows/{objects.workflow_id}"
    for version in ("²", "\u0661", str(10**30), "0"):  # U+0661: ARABIC-INDIC DIGIT ONE
        error = _error(admin.get(f"{workflow}/versions/{version}"), 404)
        assert error["code"] == "workflow_version_not_found"
        assert _error(admin.post(f"{workflow}/latest", json={"version": version}), 404)["param"] == "version"
        pinned = {**session, "workflow": {"id": objects.workflow_id, "version": version}}
        assert _error(admin.post("/v1/chatkit/sessions", json=pinned), 404)["param"] == "workflow.version"
    assert admin.get(f"{workflow}/versions/01").status_code == 200  # leading zeros always named version 1

    # The runtime: NUL in message text, thread titles, attachment names; mime types that are no type/subtype.
    runtime = objects.runtime
    message = {"content": [{"type": "input_text", "text": "hi\x00"}], "attachments": [], "inference_options": {}}
    error = runtime.error("threads.create", 400, input=message)
    assert error["param"] == "params.input.content[0].text"
    error = runtime.error("threads.update", 400, thread_id=objects.thread_ids[0], title="t\x00")
    assert error["param"] == "params.title"
    error = runtime.error("attachments.create", 400, name="a\x00.png", size=4, mime_type="image/png")
    assert error["param"] == "params.name"
    bad_mimes = ("text/plain\r\nX-Injected: 1", "image/png\x00", "imäge/png", "image/日本", "png", "image/" + "a" * 300)
    for mime in bad_mimes:
        error = runtime.error("attachments.create", 400, name="a.png", size=4, mime_type=mime)
        assert (error["param"], error["code"]) == ("params.mime_type", "invalid_value"), mime
    created = runtime.json("attachments.create", name="a.txt", size=4, mime_type="text/plain; charset=utf-8")
    assert created["mime_type"] == "text/plain; charset=utf-8"
    files = {"file": ("a.png", b"abcd", "imäge/png")}
    assert _error(runtime.http.post("/chatkit/upload", files=files), 400)["param"] == "file"

    # Signed URLs, unauthenticated: a NUL session, a non-ASCII sig.
    anonymous = server.client()
    url = f"/chatkit/attachments/{objects.attachment_ids[0]}/content"
    real = objects.upload_query
    for query in ({"session": "\x00", "sig": real["sig"]}, {"session": real["session"], "sig": "é" * 64}):
        assert _error(anonymous.get(url, params=query), 401)["code"] == "invalid_signature"
