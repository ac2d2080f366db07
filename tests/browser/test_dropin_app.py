"""A hosted-ChatKit React app (tests/browser/apps/hosted_react) moved to chatkit-host by changing two URLs.

The app is built from the npm registry's pinned ``@openai/chatkit-react``, ``react`` and ``react-dom`` (its
package-lock.json, installed by scripts/test) with esbuild, once per run. Its backend creates sessions with
the official ``openai`` package against chatkit-host; its page loads chatkit-host's ``/static/chatkit.js``
instead of OpenAI's CDN script and is otherwise what a hosted app is: ``getClientSecret`` (hosted mode), a
client tool, a widget action handled by the page, ``onResponseEnd`` and ``onThreadChange``. The same app
also runs in custom mode (``api.url`` + ``fetch``).
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.apps.hosted_react.backend import APP_DIR, Backend, build, serve
from tests.browser.dropin_page import send
from tests.browser.harness import new_context, start_server
from tests.browser.starter import FACT, StarterResponder
from tests.support.servers import RunningServer
from tests.support.services import IN_CI

pytestmark = pytest.mark.browser
CHAT = "openai-chatkit"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    node = shutil.which("node")
    installed = (APP_DIR / "node_modules" / "@openai" / "chatkit-react").is_dir()
    if node is None or not installed:
        reason = "node and `npm ci --prefix tests/browser/apps/hosted_react` (scripts/test does it) are needed"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return build(node, tmp_path_factory.mktemp("hosted_react_dist"))


@pytest.fixture(scope="module")
def module_stack() -> Iterator[ExitStack]:
    with ExitStack() as stack:
        yield stack


@pytest.fixture(scope="module")
def responder() -> StarterResponder:
    return StarterResponder()


@pytest.fixture(scope="module")
def server(
    module_stack: ExitStack, tmp_path_factory: pytest.TempPathFactory, responder: StarterResponder
) -> RunningServer:
    return start_server(module_stack, tmp_path_factory.mktemp("dropin_app"), responder=responder)


@pytest.fixture
def backend(server: RunningServer, bundle: Path, request: pytest.FixtureRequest) -> Iterator[Backend]:
    app = Backend(
        chatkit_host=server.base_url, api_key=server.admin_key, dist=bundle, user=f"user-{request.node.name}"[:60]
    )
    with serve(app) as running:
        yield running


def events(page: Page, name: str) -> list[Any]:
    found: list[Any] = page.evaluate(
        "(name) => window.appEvents.filter((e) => e.name === name).map((e) => e.detail)", name
    )
    return found


def wait_responses(page: Page, count: int, timeout: float = 20_000) -> None:
    """Until the app's onResponseEnd handler has run ``count`` times."""
    page.wait_for_function(
        "(n) => window.appEvents.filter((e) => e.name === 'responseEnd').length >= n", arg=count, timeout=timeout
    )


def open_app(browser: Browser, stack: ExitStack, backend: Backend, query: str = "") -> tuple[Page, Any]:
    context, watch = new_context(browser, stack, backend.chatkit_host)
    watch.allowed_origins = (backend.origin,)
    watch.expected_http_errors.add(401)  # the renewals below are provoked on purpose
    page = watch.attach(context.new_page())
    page.goto(f"{backend.origin}/{query}")
    expect(page.locator(f"{CHAT} .ck-greeting")).to_have_text("What can I help with today?")
    page.wait_for_function("() => window.appEvents.some((e) => e.name === 'ready')")
    return page, watch


#: The strictest policy the app can keep: itself and chatkit-host, nothing else (its own <style> is inline).
APP_CSP = (
    "default-src 'none'; script-src 'self' {chat}; style-src 'self' 'unsafe-inline' {chat}; "
    "connect-src 'self' {chat}; img-src data: blob:; base-uri 'none'; object-src 'none'"
)


@pytest.mark.parametrize("page_csp", [False, True], ids=["no-csp", "strict-csp"])
def test_the_hosted_app_chats_streams_and_switches_threads(
    browser: Browser, stack: ExitStack, backend: Backend, server: RunningServer, page_csp: bool
) -> None:
    if page_csp:
        backend.headers["Content-Security-Policy"] = APP_CSP.format(chat=server.base_url)
    page, watch = open_app(browser, stack, backend)
    assert page.evaluate("() => customElements.get('openai-chatkit') !== undefined")
    # The element loaded from chatkit-host, talks to its runtime, and asked the page for a secret once.
    send(page, "tell me about lakes")
    body = page.locator(f"{CHAT} .ck-assistant .ck-assistant-body").last
    expect(body).not_to_be_empty()
    partial = body.inner_text()
    wait_responses(page, 1)
    final = body.inner_text()
    assert final.endswith("You said: tell me about lakes") and len(partial) < len(final), "it did not stream"
    assert events(page, "getClientSecret") == [{"current": None}]
    assert len(events(page, "responseStart")) == 1
    first = events(page, "threadChange")[-1]["threadId"]
    assert first.startswith("cthr_")
    # A new thread, then back to the first one from the history.
    page.locator(f"{CHAT} .ck-new").click()
    expect(page.locator(f"{CHAT} .ck-start")).to_be_visible()
    assert events(page, "threadChange")[-1] == {"threadId": None}
    send(page, "a second conversation")
    wait_responses(page, 2)
    second = events(page, "threadChange")[-1]["threadId"]
    assert second not in (None, first)
    page.locator(f'{CHAT} .ck-thread-entry[data-thread-id="{first}"] .ck-thread-open').click()
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("tell me about lakes")
    assert events(page, "threadChange")[-1] == {"threadId": first}
    assert f"{server.base_url}/static/chatkit.js" in watch.requests
    assert any(u == f"{server.base_url}/chatkit" for u in watch.requests)
    watch.check()


def test_the_client_tool_and_the_widget_action_reach_the_page(
    browser: Browser, stack: ExitStack, backend: Backend, responder: StarterResponder
) -> None:
    page, watch = open_app(browser, stack, backend)
    # The workflow calls switch_theme; the page's onClientTool switches its theme, which re-renders
    # ChatKit with new options (and new function wrappers) without restarting the conversation.
    page.locator(f"{CHAT} .ck-prompt", has_text="Switch the theme").click()
    expect(page.locator("#theme")).to_have_text("Theme: dark")
    expect(page.locator(f"{CHAT} .ck")).to_have_attribute("data-scheme", "dark")
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_contain_text("The page switched the theme")
    assert events(page, "clientTool") == [{"name": "switch_theme", "params": {"theme": "dark"}}]
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text(["Please switch the theme to dark"])
    assert len(events(page, "getClientSecret")) == 1, "the re-render started a new session"
    # The widget's save_fact action is the page's (handler: client); the page then tells the server.
    send(page, "Remember a fact about me")
    button = page.locator(f"{CHAT} .ck-w-button", has_text="Save fact")
    button.click()
    expect(page.locator("#facts li")).to_have_text([FACT])
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_have_text(f"Saved: {FACT}")
    [action] = events(page, "widgetAction")
    assert action["type"] == "save_fact" and action["payload"] == {"fact": FACT}
    assert responder.actions[-1] == ("fact.saved", {"fact": FACT}, action["itemId"])
    watch.check()


def test_an_expired_or_cancelled_secret_is_renewed_through_getClientSecret(
    browser: Browser, stack: ExitStack, backend: Backend, server: RunningServer
) -> None:
    page, watch = open_app(browser, stack, backend)
    send(page, "first message")
    wait_responses(page, 1)
    # The administrator cancels the session: the next request is refused, the element asks the page
    # for a new secret with the refused one as `current`, and retries once.
    [(secret, session_id, _)] = backend.issued
    backend.expires_seconds = 2
    with server.admin() as admin:
        assert admin.post(f"/v1/chatkit/sessions/{session_id}/cancel").status_code == 200
    send(page, "after the cancel")
    wait_responses(page, 2)
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_contain_text("You said: after the cancel")
    assert events(page, "getClientSecret")[1] == {"current": secret}
    # That session expires after two seconds; the next message renews it the same way.
    renewed = backend.issued[1][0]
    time.sleep(2.5)
    backend.expires_seconds = 600
    send(page, "after the expiry")
    wait_responses(page, 3)
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_contain_text("You said: after the expiry")
    assert events(page, "getClientSecret")[2] == {"current": renewed}
    assert [current for _, _, current in backend.issued] == [None, secret, renewed]
    assert events(page, "error") == []
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_count(3)
    watch.check()


def test_the_same_app_in_custom_mode(
    browser: Browser, stack: ExitStack, backend: Backend, server: RunningServer, responder: StarterResponder
) -> None:
    page, watch = open_app(browser, stack, backend, "?mode=custom")
    send(page, "custom mode hello")
    wait_responses(page, 1)
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_contain_text("You said: custom mode hello")
    assert events(page, "getClientSecret") == [], "custom mode must not use getClientSecret"
    page.locator(f"{CHAT} .ck-new").click()
    page.locator(f"{CHAT} .ck-prompt", has_text="Switch the theme").click()
    expect(page.locator("#theme")).to_have_text("Theme: dark")
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_contain_text("The page switched the theme")
    send(page, "Remember a fact about me")
    page.locator(f"{CHAT} .ck-w-button", has_text="Save fact").click()
    expect(page.locator("#facts li")).to_have_text([FACT])
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_have_text(f"Saved: {FACT}")
    # The app's own fetch renews a cancelled secret.
    assert len(backend.issued) == 1, "the app's requests should share one session"
    with server.admin() as admin:
        assert admin.post(f"/v1/chatkit/sessions/{backend.issued[0][1]}/cancel").status_code == 200
    send(page, "after the cancel")
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_contain_text("You said: after the cancel")
    assert events(page, "custom.refresh") == [{"status": 401}]
    assert any(u == f"{server.base_url}/chatkit" for u in watch.requests)
    watch.check()
