"""The pages, static files and the playground's session route, over real HTTP (no browser)."""

from __future__ import annotations

import re

import pytest

from chatkit_host.cli.server import playground_setting
from chatkit_host.server.api.web import CONTENT_SECURITY_POLICY, is_loopback_host
from chatkit_host.server.web import STATIC_DIR
from tests.conftest import MakeServer, RunningServer

SESSION_BODY = {"user": "web-user", "workflow": {"id": "default"}}


def test_pages_are_served_with_a_policy_that_allows_only_this_server(sqlite_server: RunningServer) -> None:
    client = sqlite_server.client()
    for path, marker in (("/", 'data-page="playground"'), ("/admin", 'data-page="admin"')):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        assert marker in response.text
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert "default-src 'self'" in CONTENT_SECURITY_POLICY and "connect-src 'self'" in CONTENT_SECURITY_POLICY


def test_static_files_have_module_friendly_types(sqlite_server: RunningServer) -> None:
    client = sqlite_server.client()
    js = client.get("/static/chatkit-ui.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "defineChatElement" in js.text
    css = client.get("/static/chat/chat.css")
    assert css.headers["content-type"].startswith("text/css")


def test_component_files_may_be_loaded_by_other_origins_but_pages_may_not(sqlite_server: RunningServer) -> None:
    """A cross-origin ``<script type=module>`` is a CORS fetch; the pages themselves stay same-origin."""
    client = sqlite_server.client()
    headers = {"Origin": "http://embedder.test"}
    for path in (
        "/static/chatkit-ui.js",
        "/static/chat/element.js",
        "/static/chat/chat.css",
        "/static/chatkit-host-fetch.js",
    ):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] == "*"
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"
        assert response.headers["x-content-type-options"] == "nosniff"
    for path in ("/", "/admin", "/static/playground.html", "/static/admin.html"):
        response = client.get(path, headers=headers)
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    "path",
    [
        "/static/../api/web.py",
        "/static/%2e%2e/%2e%2e/settings.py",
        "/static/nope.js",
        "/static/a%00b.js",
        "/static/" + "x" * 5000,
        "/static/chat",
    ],
)
def test_static_refuses_missing_files_and_escapes(sqlite_server: RunningServer, path: str) -> None:
    response = sqlite_server.client().get(path)
    assert response.status_code == 404
    assert set(response.json()["error"]) == {"message", "type", "param", "code"}


def test_every_module_import_and_page_reference_resolves() -> None:
    """A typo in an import path would only show in a browser; check the whole graph statically."""
    for path in STATIC_DIR.rglob("*.js"):
        code = re.sub(r"/\*.*?\*/", "", path.read_text(), flags=re.S)  # usage examples live in comments
        source = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("//"))
        for target in re.findall(
            r"""(?:import|export)\s[^'";]*?from\s+["']([^"']+)["']|import\s+["']([^"']+)["']""", source
        ):
            name = next(t for t in target if t)
            assert name.startswith("./") or name.startswith("../"), f"{path.name} imports {name} from outside"
            assert (path.parent / name).resolve().is_file(), f"{path.name} imports missing {name}"
    for page in ("playground.html", "admin.html"):
        html = (STATIC_DIR / page).read_text()
        for ref in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
            assert (STATIC_DIR / ref.removeprefix("/static/")).is_file(), f"{page} references missing {ref}"
        assert not re.search(r'(?:src|href)="(?:https?:)?//', html), f"{page} loads something from another host"


def test_playground_session_on_loopback_works_with_the_runtime(sqlite_server: RunningServer) -> None:
    client = sqlite_server.client()
    config = client.get("/playground/config")
    assert config.status_code == 200
    assert any(w["id"] == "default" for w in config.json()["workflows"])
    created = client.post("/playground/session", json=SESSION_BODY)
    assert created.status_code == 200, created.text
    session = created.json()
    assert session["object"] == "chatkit.session" and session["user"] == "web-user"
    assert session["client_secret"].startswith("cksec_") and "redacted" not in session["client_secret"]
    # The secret is a real one: the runtime answers with it, and the admin API sees the session.
    listed = client.post(
        "/chatkit",
        json={"type": "threads.list", "params": {}},
        headers={"Authorization": f"Bearer {session['client_secret']}"},
    )
    assert listed.status_code == 200 and listed.json()["data"] == []
    assert sqlite_server.admin().get(f"/v1/chatkit/sessions/{session['id']}").json()["status"] == "active"


def test_playground_answers_never_contain_the_admin_key(sqlite_server: RunningServer) -> None:
    client = sqlite_server.client()
    for response in (
        client.get("/"),
        client.get("/playground/config"),
        client.post("/playground/session", json=SESSION_BODY),
    ):
        assert sqlite_server.admin_key not in response.text


def test_playground_session_validates_like_the_rest_api(sqlite_server: RunningServer) -> None:
    client = sqlite_server.client()
    missing = client.post("/playground/session", json={"workflow": {"id": "default"}})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "user"
    unknown = client.post("/playground/session", json={**SESSION_BODY, "workflow": {"id": "nope"}})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "workflow_not_found"
    plain = client.post("/playground/session", content=b'{"user": "x"}', headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415


def test_playground_refuses_other_origins_and_rebound_hosts(sqlite_server: RunningServer) -> None:
    client = sqlite_server.client()
    foreign = client.post("/playground/session", json=SESSION_BODY, headers={"Origin": "http://evil.example"})
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "cross_origin"
    # A DNS-rebinding page reaches loopback under its own host name: auto mode refuses it.
    rebound = client.post("/playground/session", json=SESSION_BODY, headers={"Host": "evil.example"})
    assert rebound.status_code == 404 and rebound.json()["error"]["code"] == "playground_disabled"


def test_playground_off_means_no_session_route(make_server: MakeServer) -> None:
    server = make_server(playground=False)
    client = server.client()
    response = client.post("/playground/session", json=SESSION_BODY)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "playground_disabled"
    assert "CHATKIT_HOST_PLAYGROUND" in response.json()["error"]["message"]
    assert client.get("/playground/config").status_code == 404
    # The pages themselves still load; the playground page explains why it cannot start.
    assert client.get("/").status_code == 200


def test_playground_on_by_operator_ignores_the_host_check(make_server: MakeServer) -> None:
    server = make_server(playground=True)
    response = server.client().post("/playground/session", json=SESSION_BODY, headers={"Host": "chat.example.org"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.0.0.1:8000", True),
        ("localhost:8000", True),
        ("[::1]:8000", True),
        ("::1", True),
        ("app.localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.5:80", False),
        ("example.org", False),
        ("", False),
        (None, False),
    ],
)
def test_is_loopback_host(host: str | None, expected: bool) -> None:
    assert is_loopback_host(host) is expected


@pytest.mark.parametrize(
    ("bind", "configured", "expected"),
    [
        ("127.0.0.1", None, None),
        ("localhost", None, None),
        ("0.0.0.0", None, False),
        ("::", None, False),
        ("0.0.0.0", True, True),
        ("127.0.0.1", False, False),
    ],
)
def test_serve_turns_the_playground_off_for_public_binds(
    bind: str, configured: bool | None, expected: bool | None
) -> None:
    assert playground_setting(bind, configured) is expected


def test_pages_and_static_files_answer_head(sqlite_server: RunningServer) -> None:
    client = sqlite_server.client()
    for path in ("/", "/admin", "/static/playground.html", "/playground/config"):
        get = client.get(path)
        head = client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
