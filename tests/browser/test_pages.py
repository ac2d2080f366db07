"""The pages as a person sees them (screenshots), the Markdown renderer, and secret renewal."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    WidgetItem,
)
from playwright.sync_api import Browser, Page, expect

from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.history import user_text
from tests.browser.harness import (
    CHAT,
    Watch,
    new_context,
    open_admin,
    open_playground,
    readme_embed_snippet,
    screenshot,
    send,
    start_server,
    wait_idle,
)
from tests.browser.showcase import ShowcaseResponder

pytestmark = pytest.mark.browser

SHOWCASE = """Here is a **plan**:

1. Pack a `basket`
2. Walk to the [lake](https://example.org/lake)

```python
print("picnic")
```
"""


class PictureResponder:
    """Streams the Markdown showcase, or the widget showcase when asked for a widget."""

    def __init__(self) -> None:
        self.widgets = ShowcaseResponder()

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        if "widget" in user_text(turn.input):
            async for event in self.widgets.respond(turn):
                yield event
            return
        item_id = turn.new_item_id("message")
        item = AssistantMessageItem(id=item_id, thread_id=turn.thread.id, created_at=datetime.now(), content=[])
        yield ThreadItemAddedEvent(item=item)
        yield ThreadItemUpdatedEvent(
            item_id=item_id,
            update=AssistantMessageContentPartAdded(content_index=0, content=AssistantMessageContent(text="")),
        )
        for start in range(0, len(SHOWCASE), 12):
            delta = AssistantMessageContentPartTextDelta(content_index=0, delta=SHOWCASE[start : start + 12])
            yield ThreadItemUpdatedEvent(item_id=item_id, update=delta)
        done = item.model_copy(update={"content": [AssistantMessageContent(text=SHOWCASE)]})
        yield ThreadItemDoneEvent(item=done)

    def action(self, turn: Turn, action: Any, sender: WidgetItem | None) -> AsyncIterator[ThreadStreamEvent]:
        return self.widgets.action(turn, action, sender)

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return "Picnic by the lake"


@pytest.fixture(scope="module")
def module_page(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Page, Watch]]:
    """One server and page for the many small renderer cases."""
    with ExitStack() as stack:
        server = start_server(stack, tmp_path_factory.mktemp("markdown"))
        context, watch = new_context(browser, stack, server.base_url)
        page = watch.attach(context.new_page())
        page.goto(f"{server.base_url}/admin")
        yield page, watch


def render(page: Page, markdown: str) -> Any:
    """Renders with the shipped module and returns the resulting HTML, each icon's SVG shortened to ``<svg/>``."""
    return page.evaluate(
        """async (text) => {
            const { renderMarkdown } = await import('/static/chatkit-ui.js');
            return renderMarkdown(text).innerHTML.replace(/<svg[^>]*>.*?<\\/svg>/g, '<svg/>');
        }""",
        markdown,
    )


#: A code block's bar: its language and the Copy button (tests/browser/test_render_markdown.py clicks it).
def code_bar(lang: str) -> str:
    return (
        f'<div class="ck-code-bar"><span class="ck-code-lang">{lang}</span><button class="ck-code-copy" type="button"'
        ' aria-label="Copy code" title="Copy code"><svg/><span>Copy</span></button></div>'
    )


@pytest.mark.parametrize(
    ("markdown", "html"),
    [
        ("plain <b>text</b> & more", "<p>plain &lt;b&gt;text&lt;/b&gt; &amp; more</p>"),
        ("**bold** and *it* and ~~no~~", "<p><strong>bold</strong> and <em>it</em> and <del>no</del></p>"),
        ("snake_case_name stays", "<p>snake_case_name stays</p>"),
        ("`<script>`", "<p><code>&lt;script&gt;</code></p>"),
        ("# Title", "<h3>Title</h3>"),
        ("- a\n- b", "<ul><li><p>a</p></li><li><p>b</p></li></ul>"),
        ("3. c\n4. d", '<ol start="3"><li><p>c</p></li><li><p>d</p></li></ol>'),
        (
            "```js\nx < 1\n```",
            f'<div class="ck-code">{code_bar("js")}<pre><code data-lang="js">x &lt; 1</code></pre></div>',
        ),
        (
            "```\nstill streaming",
            f'<div class="ck-code">{code_bar("code")}<pre><code>still streaming</code></pre></div>',
        ),
        ("> quoted", "<blockquote><p>quoted</p></blockquote>"),
        (
            "[site](https://example.org/a?b=1)",
            '<p><a href="https://example.org/a?b=1" target="_blank" rel="noopener noreferrer nofollow">site</a></p>',
        ),
        ("[x](javascript:alert(1))", "<p><span>x</span></p>"),
        ("[x](data:text/html,hi)", "<p><span>x</span></p>"),
        (
            "![pic](https://example.org/p.png)",
            # A picture on another host is linked, never loaded.
            '<p><a href="https://example.org/p.png" target="_blank" rel="noopener noreferrer nofollow"'
            ' class="ck-md-image-link" title="https://example.org/p.png"><svg/>pic</a></p>',
        ),
        (
            "see https://example.org.",
            '<p>see <a href="https://example.org/" target="_blank" rel="noopener noreferrer nofollow">https://example.org</a>.</p>',
        ),
    ],
)
def test_markdown_renderer(module_page: tuple[Page, Watch], markdown: str, html: str) -> None:
    page, watch = module_page
    assert render(page, markdown) == html
    watch.check()


def test_locale_changes_the_ui_language_and_accept_language(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "french-user")
    languages: list[str | None] = []
    page.on(
        "request", lambda r: languages.append(r.headers.get("accept-language")) if r.url.endswith("/chatkit") else None
    )
    page.evaluate(
        "() => { const c = document.querySelector('chatkit-host-chat'); c.setOptions({...c.options, locale: 'fr'}); }"
    )
    expect(page.locator(f'{CHAT} .ck-send[data-role="send"]')).to_have_attribute("aria-label", "Envoyer")
    expect(page.locator(f"{CHAT} .ck-history-title")).to_have_text("Conversations")
    send(page, "bonjour")
    wait_idle(page)
    assert languages and all(lang == "fr" for lang in languages)
    watch.check()


def test_an_expiring_secret_is_renewed_and_the_chat_goes_on(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    watch.expected_http_errors.add(401)  # a request may race the renewal and be retried by the fetch helper
    page = open_playground(context, watch, "renew-user")
    before = page.locator('#session-info dd[data-field="session"]').inner_text()
    page.locator('#session-form input[name="expires"]').fill("3")
    page.locator("#start").click()
    first = page.locator('#session-info dd[data-field="session"]')
    expect(first).not_to_have_text(before)
    first_id = first.inner_text()
    send(page, "before expiry")
    wait_idle(page)
    page.wait_for_timeout(4_000)  # past the first session's expiry
    send(page, "after expiry")
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-user")).to_have_count(2)
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_contain_text("after expiry")
    assert first.inner_text() != first_id, "the playground kept an expired session"
    # Renewal kept the conversation on screen: both messages are in one thread.
    expect(page.locator(f"{CHAT} .ck-thread-entry")).to_have_count(1)
    with server.admin() as client:
        assert client.get(f"/v1/chatkit/sessions/{first_id}").json()["status"] == "expired"
    assert page.locator(f"{CHAT} .ck-notice.ck-danger").count() == 0
    watch.check()


def test_the_readme_embedding_snippet_works(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    """The README's snippet in a host page whose own backend mints sessions with the admin key."""
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    minted: list[str] = []

    def host_backend(route: Any) -> None:
        with server.admin() as c:
            body = {"user": "embedded-user", "workflow": {"id": "default"}}
            session = c.post("/v1/chatkit/sessions", json=body).json()
        minted.append(session["id"])
        route.fulfill(status=200, content_type="application/json", json={"client_secret": session["client_secret"]})

    head = "<!doctype html><html><head><title>Host</title><link rel=icon href='data:,'></head>"
    html = f"{head}<body>{readme_embed_snippet(server.base_url)}</body></html>"
    context.route(
        f"{server.base_url}/host.html", lambda route: route.fulfill(status=200, content_type="text/html", body=html)
    )
    context.route(f"{server.base_url}/api/chatkit/session", host_backend)
    page = watch.attach(context.new_page())
    page.goto(f"{server.base_url}/host.html")
    expect(page.locator(f"{CHAT} .ck-greeting")).to_have_text("How can I help?")
    expect(page.locator(f"{CHAT} .ck")).to_have_attribute("data-scheme", "dark")
    page.locator(f"{CHAT} .ck-prompt", has_text="Say hello").click()
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant")).to_contain_text("Hello!")
    assert len(minted) == 1
    watch.check()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_screenshots(browser: Browser, stack: ExitStack, tmp_path: Path, theme: str) -> None:
    """Pictures for a person to check: tests/artifacts/{playground,admin}-{light,dark}.png and a 320 px one."""
    server = start_server(stack, tmp_path, responder=PictureResponder())
    context, watch = new_context(browser, stack, server.base_url, viewport={"width": 1280, "height": 800})
    page = open_playground(context, watch, "screenshot-user", theme=theme)
    send(page, "Plan a picnic by the lake")
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant ol li")).to_have_count(2)
    expect(page.locator(f"{CHAT} .ck-assistant pre code")).to_have_text('print("picnic")')
    send(page, "Show the order widget")
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-w-card")).to_be_visible()
    page.locator(f"{CHAT} .ck-assistant").first.locator("[data-action=feedback-positive]").click()
    page.mouse.move(0, 0)
    expect(page.locator("html")).to_have_attribute("data-theme", theme)
    assert screenshot(page, f"playground-{theme}").stat().st_size > 10_000
    page.evaluate(
        "() => { document.querySelector('chatkit-host-chat').shadowRoot.querySelector('.ck-thread').scrollTop = 0; }"
    )
    assert screenshot(page, f"playground-markdown-{theme}").stat().st_size > 10_000
    admin = open_admin(context, watch, server.admin_key)
    expect(admin.locator("#view tr[data-session-id]")).to_have_count(1)
    assert screenshot(admin, f"admin-sessions-{theme}").stat().st_size > 10_000
    admin.locator('.tab[data-view="threads"]').click()
    admin.locator("#view tr[data-thread-id] a").first.click()
    expect(admin.locator("#view .items li")).to_have_count(6)
    assert screenshot(admin, f"admin-threads-{theme}").stat().st_size > 10_000
    narrow = browser.new_context(viewport={"width": 320, "height": 640})
    stack.callback(narrow.close)
    narrow.on("request", lambda request: watch.requests.append(request.url))
    small = open_playground(narrow, watch, "screenshot-user", theme=theme)
    # The settings start folded at this width, below the chat (F14).
    expect(small.locator("#settings")).not_to_have_attribute("open", "")
    small.locator(f"{CHAT} .ck-thread-open").first.wait_for(state="attached")
    small.locator(f"{CHAT} .ck-history-toggle").click()
    small.locator(f"{CHAT} .ck-thread-open").first.click()
    expect(small.locator(f"{CHAT} .ck-w-card")).to_be_visible()
    small.locator(CHAT).scroll_into_view_if_needed()
    assert small.evaluate("() => document.documentElement.scrollWidth") <= 320
    assert screenshot(small, f"playground-320px-{theme}").stat().st_size > 5_000
    watch.check()
