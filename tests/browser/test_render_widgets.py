"""Every widget component of ``types/widgets.d.ts`` (``@openai/chatkit`` 1.9) and the named icons.

The widgets arrive as the JSON the official element receives (see ``render_samples.every_widget``) over the
real runtime; the assertions are on what the chat shows and on the actions the server received.
"""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.browser.harness import CHAT, new_context, open_playground, send, start_server, wait_idle
from tests.browser.render_samples import PIXEL, RenderResponder

pytestmark = pytest.mark.browser

#: ChatKitIcon of types/index.d.ts and WidgetIcon of types/widgets.d.ts, @openai/chatkit 1.9.0 (union).
#: Written as in the .d.ts (space-separated) so the lists can be compared with a newer release by eye.
CHATKIT_ICON_NAMES = """agent analytics atom batch bolt book-open book-closed book-clock bug calendar chart check
check-circle check-circle-filled chevron-left chevron-right circle-question clock compass confetti cube desktop
document dot dots-horizontal dots-vertical empty-circle external-link globe keys lab images info lifesaver lightbulb
mail map-pin maps mobile name notebook notebook-pencil page-blank phone play plus profile profile-card reload star
star-filled search sparkle sparkle-double square-code square-image square-text suitcase settings-slider user wreath
write write-alt write-alt2""".split()  # noqa: SIM905
#: HeaderIcon of types/index.d.ts, @openai/chatkit 1.9.0.
HEADER_ICON_NAMES = """sidebar-left sidebar-right sidebar-open-left sidebar-open-right sidebar-open-left-alt
sidebar-open-right-alt sidebar-floating-left sidebar-floating-right sidebar-floating-open-left
sidebar-floating-open-right sidebar-collapse-left sidebar-collapse-right collapse-left collapse-right open-left
open-right double-chevron-left double-chevron-right home home-alt back-small back-large expand-large collapse-large
expand-small collapse-small star star-filled bug chat-temporary settings-cog grid dots-horizontal dots-vertical
dots-horizontal-circle dots-vertical-circle menu menu-inverted hamburger history book-open compose share light-mode
dark-mode close""".split()  # noqa: SIM905


def widget(page: Page, component_id: str) -> Locator:
    return page.locator(f'{CHAT} [data-component-id="{component_id}"]')


def last_reply(page: Page) -> Locator:
    return page.locator(f"{CHAT} .ck-assistant").last


def test_every_widget_component_renders_with_its_props(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    responder = RenderResponder()
    server = start_server(stack, tmp_path, responder=responder)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "widget-user")
    send(page, "widgets")
    wait_idle(page)
    card = widget(page, "all")
    expect(card.locator(".ck-w-status")).to_have_text("Booking assistant")
    expect(card.locator('.ck-w-status svg[data-icon="calendar"][data-drawn="true"]')).to_have_count(1)
    assert card.evaluate("(c) => getComputedStyle(c).borderTopStyle") == "dashed"
    # Icons: a filled ChatKit icon and a lucide: one, drawn from the server's files at their size.
    star = widget(page, "icon-star")
    expect(star).to_have_attribute("data-drawn", "true")
    assert star.evaluate("(s) => [s.getAttribute('width'), s.querySelector('path').getAttribute('fill')]") == [
        "18",
        "currentColor",
    ]
    expect(widget(page, "icon-lucide")).to_have_attribute("data-drawn", "true")
    assert widget(page, "icon-lucide").locator("path").count() >= 3
    badge = widget(page, "badge")
    expect(badge).to_have_text("New")
    expect(badge).to_have_attribute("data-variant", "solid")
    expect(badge).to_have_class(re.compile(r"\bck-pill\b"))
    # maxLines clamps the long text to two lines.
    clamped = widget(page, "clamped")
    line = clamped.evaluate("(t) => parseFloat(getComputedStyle(t).lineHeight)")
    assert clamped.evaluate("(t) => t.getBoundingClientRect().height") <= line * 2 + 1
    divider = widget(page, "divider")
    assert divider.evaluate("(d) => getComputedStyle(d).borderTopWidth") == "3px"
    # Table, Table.Row (header), Table.Cell (align, colSpan).
    table = widget(page, "table")
    expect(table.locator("thead th")).to_have_text(["Item", "Price"])
    expect(table.locator("tbody tr").first.locator("td")).to_have_text(["Ticket", "12 EUR"])
    assert table.locator("tbody td").nth(1).evaluate("(c) => getComputedStyle(c).textAlign") == "end"
    expect(table.locator("tbody tr").nth(1).locator("td")).to_have_attribute("colspan", "2")
    image = widget(page, "image")
    expect(image).to_have_attribute("src", PIXEL)
    assert image.evaluate("(i) => [i.getBoundingClientRect().width, getComputedStyle(i).borderRadius]") == [
        48,
        "9999px",
    ]
    # Label points at its field; clicking it focuses the input.
    widget(page, "label").click()
    assert page.evaluate(f"() => document.querySelector('{CHAT}').shadowRoot.activeElement?.name") == "name"
    form = widget(page, "form")
    expect(form.locator('input[name="name"]')).to_have_attribute("pattern", "[A-Za-z]+")
    expect(form.locator('select[name="seat"]')).to_have_value("w")
    expect(form.locator('input[name="class"][value="first"]')).to_be_disabled()
    expect(form.locator('input[name="title"]')).to_have_value("Editable text")
    expect(widget(page, "off")).to_be_disabled()
    expect(widget(page, "send").locator('svg[data-icon="write"]')).to_have_count(1)
    expect(widget(page, "danger").locator('svg[data-icon="lucide:trash-2"]')).to_have_count(1)
    expect(widget(page, "ghost")).to_have_attribute("aria-label", "dots-horizontal")
    expect(widget(page, "transition")).to_have_text("In a transition")
    # The submit button sends the form's values with the form's action.
    form.locator('textarea[name="note"]').fill("window seat please")
    form.locator('input[name="meal"]').uncheck()
    widget(page, "send").click()
    wait_idle(page)
    expect(last_reply(page)).to_contain_text("Action form.send")
    kind, payload = responder.actions[-1]
    assert kind == "form.send"
    assert payload == {
        "from": "form",
        "name": "Ada",
        "note": "window seat please",
        "seat": "w",
        "meal": False,
        "class": "eco",
        "day": "2026-06-01",
        "title": "Editable text",
    }
    widget(page, "danger").click()
    wait_idle(page)
    assert responder.actions[-1][0] == "item.delete"
    watch.check()


def test_list_view_limit_collapsed_card_and_dark_root(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    responder = RenderResponder()
    server = start_server(stack, tmp_path, responder=responder)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "list-user", theme="light")
    send(page, "widgets")
    wait_idle(page)
    listview = widget(page, "list")
    expect(listview.locator(".ck-w-status")).to_have_text("Three places")
    rows = listview.locator(".ck-w-listitem")
    expect(rows.filter(has_text="Arona")).to_be_hidden()
    listview.get_by_role("button", name="Show more").click()
    expect(rows.filter(has_text="Arona")).to_be_visible()
    rows.filter(has_text="Arona").click()
    wait_idle(page)
    assert responder.actions[-1] == ("place.pick", {"place": "Arona"})
    collapsed = widget(page, "collapsed")
    expect(widget(page, "hidden-text")).to_be_hidden()
    toggle = collapsed.get_by_role("button", name="Show details")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(widget(page, "hidden-text")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    # A root with theme "dark" is dark inside a light chat.
    color = widget(page, "dark-text").evaluate("(t) => getComputedStyle(t).color")
    assert color == "rgb(232, 234, 239)", color
    watch.check()


def test_every_chatkit_icon_name_is_drawn_from_the_server(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "icon-user")
    watch.expected_http_errors.add(404)  # the browser logs the 404 of lucide:no-such-lucide-icon below
    names = sorted({*CHATKIT_ICON_NAMES, *HEADER_ICON_NAMES, "lucide:rocket", "lucide:badge-check"})
    drawn = page.evaluate(
        """async (names) => {
            const { namedIcon } = await import('/static/chat/icons.js');
            const out = {};
            for (const name of names) {
                const svg = namedIcon(name);
                out[name] = svg ? [await svg.ready, svg.querySelectorAll('g > *').length] : null;
            }
            return out;
        }""",
        names,
    )
    missing = [name for name, result in drawn.items() if not result or not result[0] or result[1] == 0]
    assert missing == [], f"icons not drawn: {missing}"
    # Unknown names and names that try to leave the icon folder are refused before any request.
    refused = page.evaluate(
        """async () => {
            const { namedIcon } = await import('/static/chat/icons.js');
            const names = ['no-such-icon', 'lucide:../../admin', 'lucide:a/b', 'lucide:', 'lucide:Rocket'];
            return [...names, 'constructor'].map((n) => namedIcon(n) === null);
        }"""
    )
    assert refused == [True] * 6
    # icon(), which the element's own controls use, draws option-given names the same way.
    via_icon = page.evaluate(
        """async () => {
            const { icon } = await import('/static/chat/icons.js');
            const named = icon('calendar');
            const own = icon('copy');
            const ownPaths = own.querySelectorAll('path').length;
            return [await named.ready, named.dataset.icon, own.dataset.icon ?? null, ownPaths];
        }"""
    )
    assert via_icon == [True, "calendar", None, 2]
    unknown = page.evaluate(
        "async () => { const { namedIcon } = await import('/static/chat/icons.js');"
        " const s = namedIcon('lucide:no-such-lucide-icon'); return [await s.ready, s.dataset.missing]; }"
    )
    assert unknown == [False, "true"]
    icon_requests = [u for u in watch.requests if "/static/icons/" in u]
    assert all(u.startswith(server.base_url + "/static/icons/lucide/") for u in icon_requests)
    # Each file is fetched once however many icons use it.
    assert len(icon_requests) == len(set(icon_requests))
    watch.check()


def test_no_script_runs_from_widget_values(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "xss-widget-user")
    send(page, "hostile widgets")
    wait_idle(page)
    card = widget(page, "hostile")
    expect(card.locator(".ck-w-status")).to_have_text("<img src=x onerror=window.pwned=1>")
    expect(card.locator(".ck-w-text")).to_have_text("<script>window.pwned=3</script>")
    expect(card.locator(".ck-w-markdown")).to_have_text("<iframe src=javascript:window.pwned=5>")
    expect(card.locator(".ck-w-button")).to_have_text("<b>bold</b>")
    # Unknown or path-like icon names draw nothing and fetch nothing.
    expect(widget(page, "bad-icon")).to_have_text("•")
    expect(widget(page, "bad-icon-2")).to_have_text("•")
    expect(card.locator(".ck-w-image-blocked")).to_have_text(["[<b>x</b>]", "[remote]"])
    assert card.evaluate("(c) => c.style.background") == ""
    elements = card.evaluate(
        "(root) => [...root.querySelectorAll('*')].map((n) => [n.localName, [...n.attributes].map((a) => a.name)])"
    )
    assert not [e for e in elements if e[0] in ("script", "iframe", "object", "embed", "img")], elements
    assert not [e for e in elements if any(a.startswith("on") for a in e[1])], elements
    styles = card.evaluate("(root) => [...root.querySelectorAll('[style]')].map((n) => n.getAttribute('style'))")
    assert not [s for s in styles if "url(" in s or "expression" in s], styles
    assert page.evaluate("() => window.pwned") is None
    watch.check()  # no request to evil.example
