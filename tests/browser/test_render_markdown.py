"""The Markdown renderer (chat/markdown.js): tables, code blocks, lists, quotes, links, images, streaming.

Each reply comes from :class:`RenderResponder` over the real runtime and is streamed in small deltas, so what
is asserted is what a reader sees at the end of a real stream, in the chat's shadow DOM.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.harness import CHAT, new_context, open_playground, send, start_server, wait_idle
from tests.browser.render_samples import PIXEL, RenderResponder

pytestmark = pytest.mark.browser


def reply(page: Page, sample: str) -> Locator:
    """Asks for the sample ``sample`` and returns the finished reply's Markdown root."""
    send(page, f"md:{sample}")
    wait_idle(page)
    return page.locator(f"{CHAT} .ck-assistant .ck-md").last


def open_chat(browser: Browser, stack: ExitStack, tmp_path: Path, user: str, **context: object) -> tuple[Page, object]:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    ctx, watch = new_context(browser, stack, server.base_url, **context)
    return open_playground(ctx, watch, user), watch


def test_a_table_with_alignment_code_with_label_and_copy_lists_quote_and_rule(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    context, watch = new_context(browser, stack, server.base_url)
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.base_url)
    page = open_playground(context, watch, "md-user")
    md = reply(page, "table-code")
    table = md.locator(".ck-md-table table")
    expect(table.locator("thead th")).to_have_text(["Day", "Place", "Distance (km)", "Done"])
    expect(table.locator("tbody tr")).to_have_count(3)
    expect(table.locator("tbody tr").first.locator("td")).to_have_text(["Mon", "Lake Orta", "12.5", "✓"])
    expect(table.locator("tbody tr").first.locator("td em")).to_have_text("Orta")
    aligns = table.locator("thead th").evaluate_all("(cells) => cells.map((c) => getComputedStyle(c).textAlign)")
    assert aligns == ["left", "center", "right", "left"], aligns
    # The shorter last row still has four cells (GitHub fills them).
    expect(table.locator("tbody tr").nth(2).locator("td")).to_have_count(4)

    code = md.locator(".ck-code")
    expect(code.locator(".ck-code-lang")).to_have_text("python")
    expect(code.locator("pre code")).to_have_text(
        "def total(days: list[float]) -> float:\n    return sum(days)  # 41.75"
    )
    copy = code.get_by_role("button", name="Copy code")
    copy.click()
    expect(copy).to_have_attribute("data-copied", "true")
    expect(copy).to_contain_text("Copied")
    pasted = page.evaluate("() => navigator.clipboard.readText()")
    assert pasted == "def total(days: list[float]) -> float:\n    return sum(days)  # 41.75"

    ordered = md.locator(":scope > ol")
    expect(ordered.locator(":scope > li")).to_have_count(2)
    expect(ordered.locator(":scope > li").first.locator("ul > li")).to_have_text(["water", "a map"])
    expect(md.locator(":scope > blockquote em")).to_have_text("May")
    tasks = md.locator("ul.ck-md-tasks > li")
    expect(tasks).to_have_text(["tickets", "snacks"])
    assert tasks.locator("input[type=checkbox]").evaluate_all("(b) => b.map((x) => [x.checked, x.disabled])") == [
        [True, True],
        [False, True],
    ]
    expect(md.locator(":scope > hr")).to_have_count(1)
    expect(md.locator("del")).to_have_text("Rent a car")
    expect(md.locator("code").first).to_have_text("uv")
    watch.check()


def test_links_open_safely_and_only_for_safe_targets(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    page, watch = open_chat(browser, stack, tmp_path, "link-user")
    md = reply(page, "links")
    base = page.evaluate("() => location.origin")
    links = md.locator("a")
    hrefs = links.evaluate_all("(links) => links.map((a) => [a.textContent, a.getAttribute('href')])")
    assert hrefs == [
        ["web", "https://example.org/a"],
        ["mail", "mailto:me@example.org"],
        ["page", f"{base}/docs/page"],
        ["fragment", "#top"],
        ["https://example.org/bare", "https://example.org/bare"],
    ], hrefs
    for attrs in links.evaluate_all("(links) => links.map((a) => [a.target, a.rel])"):
        assert attrs[0] == "_blank" and {"noopener", "noreferrer"} <= set(attrs[1].split())
    # The refused ones are plain text: `/\host` and `//host` would leave the origin, the rest are scripts.
    texts = md.locator("li").all_inner_texts()
    assert texts[4:9] == [
        "backslash",
        "script",
        "[data](data:text/html,<script>alert(1)</script>)",
        "vb",
        "proto-relative",
    ], texts
    assert md.locator("li").nth(4).locator("a").count() == 0
    watch.check()


def test_images_load_only_from_data_urls_or_the_server(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    page, watch = open_chat(browser, stack, tmp_path, "image-user")
    md = reply(page, "images")
    images = md.locator("img.ck-md-image")
    expect(images).to_have_count(1)
    expect(images).to_have_attribute("src", PIXEL)
    expect(images).to_have_attribute("alt", "inline pixel")
    assert images.evaluate("(img) => img.complete && img.naturalWidth") == 24
    # A remote picture is a link to it (opened in a new tab on click), never loaded by the chat.
    remote = md.locator("a.ck-md-image-link")
    expect(remote).to_have_count(1)
    expect(remote).to_have_text("remote tracker")
    expect(remote).to_have_attribute("href", "https://images.example.com/t.png")
    # javascript: and SVG data URLs (which can carry script) are neither images nor links.
    expect(md).to_contain_text("script")
    expect(md).to_contain_text("svg")
    assert md.locator("a").count() == 1
    watch.check()  # no request to images.example.com


def test_nested_lists_quotes_in_lists_and_task_items(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    page, watch = open_chat(browser, stack, tmp_path, "list-user")
    md = reply(page, "nested")
    top = md.locator(":scope > ol > li")
    expect(top).to_have_count(2)
    inner = top.first.locator(":scope > ol > li")
    expect(inner).to_have_count(2)
    expect(inner.nth(1).locator(":scope > ul > li")).to_have_text("deep")
    bullets = md.locator(":scope > ul > li")
    expect(bullets).to_have_count(3)
    expect(bullets.first.locator("blockquote")).to_have_text("quoted in a list")
    expect(bullets.nth(2).locator("input[type=checkbox]")).to_be_checked()
    watch.check()


def test_streaming_keeps_finished_blocks_in_place(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    """While a reply streams, blocks already written keep their DOM nodes and their position on screen."""
    page, watch = open_chat(browser, stack, tmp_path, "stream-user")
    shadow = f"document.querySelector('{CHAT}').shadowRoot"
    send(page, "md-slow:table-code")
    # Once the table is complete (the code block after it has started), tag it and note where it is.
    page.wait_for_function(f"() => {shadow}.querySelector('.ck-streaming .ck-code')")
    first_code = page.evaluate(
        f"""() => {{
            const code = {shadow}.querySelector('.ck-streaming .ck-code');
            code.__marked = true;
            return code.querySelector('pre').innerText.length;
        }}"""
    )
    page.evaluate(
        f"""() => {{
            const table = {shadow}.querySelector('.ck-streaming .ck-md-table');
            table.__marked = true;
            const reply = {shadow}.querySelector('.ck-assistant').getBoundingClientRect();
            window.__tableTop = table.getBoundingClientRect().top - reply.top;
            window.__tableHeight = table.getBoundingClientRect().height;
        }}"""
    )
    # The reader selects the first paragraph while the rest is still arriving.
    selected = page.evaluate(
        f"""() => {{
            const first = {shadow}.querySelector('.ck-streaming .ck-md > p');
            const range = document.createRange();
            range.selectNodeContents(first);
            const selection = document.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
            return selection.toString();
        }}"""
    )
    assert selected.startswith("Here is the plan")
    # Mid-stream, with more of the code block written: the table and the growing code block are the same nodes,
    # and the selection is still there.
    page.wait_for_function(
        f"() => ({shadow}.querySelector('.ck-streaming .ck-code pre')?.innerText.length || 0) > {first_code} + 10"
    )
    assert page.evaluate(
        f"() => [{shadow}.querySelector('.ck-md-table').__marked, {shadow}.querySelector('.ck-code').__marked]"
    ) == [True, True]
    assert page.evaluate("() => document.getSelection().toString()") == selected
    wait_idle(page)
    kept = page.evaluate(
        f"""() => {{
            const table = {shadow}.querySelector('.ck-assistant .ck-md-table');
            const box = table.getBoundingClientRect();
            const top = box.top - {shadow}.querySelector('.ck-assistant').getBoundingClientRect().top;
            return [table.__marked === true, top - window.__tableTop, box.height - window.__tableHeight];
        }}"""
    )
    assert kept == [True, 0, 0], f"the finished table was rebuilt or moved: {kept}"
    text = page.locator(f"{CHAT} .ck-assistant .ck-md").last.inner_text()
    assert "Take the train." in text and "| Day |" not in text
    watch.check()


def test_no_script_runs_from_markdown_in_any_renderer(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    page, watch = open_chat(browser, stack, tmp_path, "xss-user")
    md = reply(page, "hostile")
    page.mouse.move(0, 0)
    md.locator("a").first.hover()
    # Every construct rendered, with the markup shown as text.
    expect(md.locator(".ck-md-table td").first).to_have_text('<svg onload="window.pwned=3">')
    expect(md.locator(".ck-md-table th").nth(1)).to_have_text("<script>window.pwned=2</script>")
    expect(md.locator(".ck-code pre code")).to_have_text("<script>window.pwned=6</script>")
    expect(md.locator(".ck-code-lang")).to_have_text("html")
    expect(md.locator(".ck-md-task")).to_contain_text("<iframe")
    expect(md.locator("blockquote")).to_contain_text('<a href="javascript:window.pwned=8">quote</a>')
    elements = md.evaluate(
        """(root) => [...root.querySelectorAll('*')].map((n) => n.localName + ':' +
            [...n.attributes].map((a) => a.name).join(','))"""
    )
    tags = {e.split(":")[0] for e in elements}
    allowed = {"div", "table", "thead", "tbody", "tr", "th", "td", "span", "button", "pre", "code", "ul", "li"}
    allowed |= {"input", "blockquote", "p", "a", "strong", "em", "svg", "g", "path", "rect", "circle"}  # + icons
    assert tags <= allowed, tags
    assert not [e for e in elements if any(a.startswith("on") for a in e.split(":")[1].split(","))], elements
    hrefs = md.locator("a").evaluate_all("(links) => links.map((a) => a.getAttribute('href'))")
    assert hrefs == ["https://x.example/y.png", "https://example.org/"], hrefs
    assert page.evaluate("() => window.pwned") is None
    watch.check()


def test_safe_href_refuses_every_way_out_of_the_origin(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    """``safeHref`` itself, for inputs the Markdown syntax cannot carry (tabs, newlines) as well."""
    page, watch = open_chat(browser, stack, tmp_path, "href-user")
    cases = [
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "\\/evil.example",
        "//evil.example",
        " javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,x",
        "/ok/path?q=1#f",
        "https://ok.example/",
    ]
    results = page.evaluate(
        "async (cases) => { const { safeHref } = await import('/static/chat/markdown.js');"
        " return cases.map((c) => safeHref(c)); }",
        cases,
    )
    origin = page.evaluate("() => location.origin")
    assert results == [None] * 8 + [f"{origin}/ok/path?q=1#f", "https://ok.example/"], results
    watch.check()
