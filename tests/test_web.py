"""The pages, static files and the playground's routes, over real HTTP (no browser)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from chatkit_host.server.api.web import CONTENT_SECURITY_POLICY
from chatkit_host.server.web import STATIC_DIR
from tests.support.servers import MakeServer, RunningServer, serve_in_thread, serving

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


def test_playground_session_with_the_admin_key_works_with_the_runtime(sqlite_server: RunningServer) -> None:
    client = sqlite_server.admin()
    config = client.get("/playground/config")
    assert config.status_code == 200
    assert any(w["id"] == "default" for w in config.json()["workflows"])
    created = client.post("/playground/session", json=SESSION_BODY)
    assert created.status_code == 200, created.text
    session = created.json()
    assert session["object"] == "chatkit.session" and session["user"] == "web-user"
    assert session["client_secret"].startswith("cksec_") and "redacted" not in session["client_secret"]
    # The secret is a real one: the runtime answers with it, and the admin API sees the session.
    listed = sqlite_server.client().post(
        "/chatkit",
        json={"type": "threads.list", "params": {}},
        headers={"Authorization": f"Bearer {session['client_secret']}"},
    )
    assert listed.status_code == 200 and listed.json()["data"] == []
    assert sqlite_server.admin().get(f"/v1/chatkit/sessions/{session['id']}").json()["status"] == "active"


def test_playground_routes_refuse_requests_without_the_admin_key(sqlite_server: RunningServer) -> None:
    """Loopback peer and loopback ``Host`` are no longer a credential: only the key is."""
    client = sqlite_server.client()
    for headers, code in (
        ({}, "missing_api_key"),
        ({"Authorization": "Bearer wrong"}, "invalid_api_key"),
        ({"Authorization": "Bearer cksec_not_an_admin_key"}, "invalid_api_key"),
    ):
        minted = client.post("/playground/session", json=SESSION_BODY, headers=headers)
        assert minted.status_code == 401, minted.text
        assert minted.json()["error"]["code"] == code
        assert client.get("/playground/config", headers=headers).status_code == 401
    assert sqlite_server.admin().get("/v1/chatkit/sessions").json()["data"] == []


def test_playground_config_offers_each_workflows_declared_state_variables(sqlite_server: RunningServer) -> None:
    source = (Path(__file__).resolve().parents[1] / "examples" / "support.yaml").read_text()
    admin = sqlite_server.admin()
    assert (
        admin.post("/v1/chatkit/workflows", json={"id": "support", "format": "yaml", "source": source}).status_code
        == 200
    )
    workflows = {w["id"]: w for w in admin.get("/playground/config").json()["workflows"]}
    assert workflows["default"]["state_variables"] == {}
    declared = workflows["support"]["state_variables"]
    assert declared["tier"] == {"type": "string", "default": "free", "description": "The customer's plan"}
    assert declared["company"]["type"] == "string" and workflows["support"]["latest_version"] == "1"


def test_playground_session_validates_like_the_rest_api(sqlite_server: RunningServer) -> None:
    client = sqlite_server.admin()
    missing = client.post("/playground/session", json={"workflow": {"id": "default"}})
    assert missing.status_code == 400 and missing.json()["error"]["param"] == "user"
    unknown = client.post("/playground/session", json={**SESSION_BODY, "workflow": {"id": "nope"}})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "workflow_not_found"
    plain = client.post("/playground/session", content=b'{"user": "x"}', headers={"Content-Type": "text/plain"})
    assert plain.status_code == 415


def test_playground_refuses_other_origins_even_with_the_key(sqlite_server: RunningServer) -> None:
    foreign = sqlite_server.admin().post(
        "/playground/session", json=SESSION_BODY, headers={"Origin": "http://evil.example"}
    )
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "cross_origin"


def test_playground_off_means_no_playground_routes(make_server: MakeServer) -> None:
    server = make_server(playground=False)
    for client in (server.client(), server.admin()):
        response = client.post("/playground/session", json=SESSION_BODY)
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "playground_disabled"
        assert "CHATKIT_HOST_PLAYGROUND" in response.json()["error"]["message"]
        assert client.get("/playground/config").status_code == 404
    # The pages themselves still load; the playground page explains why it cannot start.
    assert server.client().get("/").status_code == 200


def _same_host_proxy(upstream: str) -> Any:
    """nginx's defaults in front of ``upstream``: ``proxy_pass http://127.0.0.1:PORT;`` on the same machine.

    Every request reaches the server from 127.0.0.1 with ``Host: 127.0.0.1:PORT`` and no ``X-Forwarded-For``,
    whoever sent it and under whatever name it was addressed (``chat.example.com``).
    """
    target = urlsplit(upstream)

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        dropped = {b"host", b"x-forwarded-for", b"x-real-ip", b"forwarded", b"content-length"}
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"] if k.lower() not in dropped]
        headers.append(("Host", target.netloc))
        query = f"?{scope['query_string'].decode()}" if scope["query_string"] else ""
        async with httpx.AsyncClient() as client:
            answer = await client.request(
                scope["method"], f"{upstream}{scope['path']}{query}", headers=headers, content=body
            )
        passed = [(k.encode(), v.encode()) for k, v in answer.headers.items() if k.lower() != "content-length"]
        await send({"type": "http.response.start", "status": answer.status_code, "headers": passed})
        await send({"type": "http.response.body", "body": answer.content})

    return app


def test_a_same_host_reverse_proxy_cannot_mint_sessions_without_the_admin_key(sqlite_server: RunningServer) -> None:
    """Issue 13 item 1: a visitor of ``https://chat.example.com`` must not get a secret that reads alice's threads."""
    proxy = sqlite_server.stack.enter_context(serve_in_thread(_same_host_proxy(sqlite_server.base_url)))
    visitor = httpx.Client(base_url=proxy, headers={"Host": "chat.example.com"})
    sqlite_server.stack.callback(visitor.close)
    body = {"user": "alice", "workflow": {"id": "default"}}
    minted = visitor.post("/playground/session", json=body)
    assert minted.status_code == 401 and minted.json()["error"]["code"] == "missing_api_key"
    assert "client_secret" not in minted.text
    assert visitor.post("/playground/session", json=body, headers={"Authorization": "Bearer guess"}).status_code == 401
    assert visitor.get("/playground/config").status_code == 401
    assert sqlite_server.admin().get("/v1/chatkit/sessions").json()["data"] == []
    # The proxy itself works: the operator, who has the key, gets a session through it.
    keyed = visitor.post(
        "/playground/session", json=body, headers={"Authorization": f"Bearer {sqlite_server.admin_key}"}
    )
    assert keyed.status_code == 200, keyed.text
    assert keyed.json()["client_secret"].startswith("cksec_")


def test_first_start_prints_a_playground_link_that_carries_the_key_in_its_fragment(tmp_path: Path) -> None:
    with serving([], cwd=tmp_path) as (base_url, log):
        key = (tmp_path / ".chatkit-host" / "admin_api_key").read_text().strip()
        assert f"Chat UI: {base_url}/#key={key} " in log.read_text()
        # The fragment never reaches the server; the page sends the key it found there as a bearer token.
        config = httpx.get(f"{base_url}/playground/config", headers={"Authorization": f"Bearer {key}"})
        assert config.status_code == 200
    with serving([], cwd=tmp_path) as (base_url, log):
        assert f"Chat UI: {base_url}/ " in log.read_text() and key not in log.read_text()


def test_pages_and_static_files_answer_head(sqlite_server: RunningServer) -> None:
    # The playground's config needs the admin key like /v1; the pages and static files need none.
    client = sqlite_server.admin()
    for path in ("/", "/admin", "/static/playground.html", "/playground/config"):
        get = client.get(path)
        head = client.head(path)
        assert head.status_code == get.status_code == 200, path
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
