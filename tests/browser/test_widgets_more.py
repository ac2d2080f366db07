"""The Chart and DatePicker widgets and the composer's tool picker (ChatKit's ``composer.tools``).

Answers come from :class:`ShowcaseResponder`; the runtime, store and protocol under it are the real ones, so
the widget actions and the tool choice are checked where the server received and stored them.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import (
    ARTIFACTS,
    CHAT,
    new_context,
    open_playground,
    rest_items,
    screenshot,
    send,
    start_server,
    wait_idle,
)
from tests.browser.showcase import CHART_ROWS, ShowcaseResponder

pytestmark = pytest.mark.browser

TOOLS = [
    {"id": "search", "label": "Search the web", "shortLabel": "Search", "placeholderOverride": "Search for…"},
    {"id": "draw", "label": "Draw a picture", "icon": "images", "persistent": True},
]


def bar_heights(page: Page) -> list[float]:
    heights: list[float] = page.locator(
        f'{CHAT} .ck-chart-series[data-series="visits"] rect.ck-chart-bar'
    ).evaluate_all("(bars) => bars.map((b) => b.getBBox().height)")
    return heights


def point_heights(page: Page) -> list[float]:
    """How far above the chart's zero line each sign-ups point sits, in pixels."""
    heights: list[float] = page.evaluate(
        """() => {
            const chat = document.querySelector('chatkit-host-chat').shadowRoot;
            const zero = Number(chat.querySelector('.ck-chart-zero').getAttribute('y1'));
            return [...chat.querySelectorAll('.ck-chart-series[data-series="signups"] circle')]
                .map((c) => zero - Number(c.getAttribute('cy')));
        }"""
    )
    return heights


def test_chart_draws_bars_a_line_and_a_legend_in_both_themes(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server = start_server(stack, tmp_path, responder=ShowcaseResponder())
    for theme in ("light", "dark"):
        context, watch = new_context(browser, stack, server.base_url)
        page = open_playground(context, watch, f"chart-{theme}", theme=theme)
        send(page, "show me a chart")
        wait_idle(page)
        chart = page.locator(f"{CHAT} figure.ck-w-chart")
        expect(chart).to_have_count(1)
        svg = chart.locator("svg.ck-chart-svg")
        expect(svg).to_have_attribute("role", "img")
        expect(svg).to_have_attribute("aria-label", "Visits, Sign-ups (Jan \u2013 Apr)")
        expect(chart.locator('[data-series="visits"] rect.ck-chart-bar')).to_have_count(len(CHART_ROWS))
        expect(chart.locator('[data-series="signups"] path.ck-chart-line')).to_have_count(1)
        expect(chart.locator('[data-series="signups"] circle.ck-chart-point')).to_have_count(len(CHART_ROWS))
        expect(chart.locator(".ck-chart-x text")).to_have_text(["Jan", "Feb", "Mar", "Apr"])
        expect(chart.locator(".ck-chart-legend li")).to_have_text(["Visits", "Sign-ups"])
        # The drawing is proportional to the data: bars and points keep the rows' ratios.
        visits = [float(r["visits"]) for r in CHART_ROWS]
        signups = [float(r["signups"]) for r in CHART_ROWS]
        for drawn, data in ((bar_heights(page), visits), (point_heights(page), signups)):
            assert len(drawn) == len(data)
            for d, v in zip(drawn, data, strict=True):
                assert d / drawn[0] == pytest.approx(v / data[0], rel=0.03)
        # The numbers are there for screen readers too, in a table hidden from sight.
        table = chart.locator(".ck-visually-hidden table")
        expect(table.locator("tbody tr")).to_have_count(len(CHART_ROWS))
        expect(table.locator("tbody tr").nth(2)).to_have_text("Mar9031")
        assert chart.locator(".ck-visually-hidden").evaluate("(t) => t.getBoundingClientRect().width") <= 1
        # The two series are told apart by colour in either theme.
        colors = chart.locator(".ck-chart-swatch").evaluate_all("(s) => s.map((x) => getComputedStyle(x).color)")
        assert len(set(colors)) == 2
        # Responsive: a narrower page redraws the SVG at its new width, with every bar still there.
        width = svg.evaluate("(s) => s.viewBox.baseVal.width")
        chart.scroll_into_view_if_needed()
        screenshot(page, f"widgets-chart-{theme}")
        page.set_viewport_size({"width": 420, "height": 800})
        page.wait_for_function(
            """(w) => {
                const s = document.querySelector('chatkit-host-chat').shadowRoot.querySelector('svg.ck-chart-svg');
                return s.viewBox.baseVal.width < w;
            }""",
            arg=width,
        )
        expect(chart.locator('[data-series="visits"] rect.ck-chart-bar')).to_have_count(len(CHART_ROWS))
        # The history opened at the wide size is now a drawer over the chat: close it to see the chart.
        page.evaluate("() => document.querySelector('chatkit-host-chat').toggleHistory(false)")
        chart.scroll_into_view_if_needed()
        chart.screenshot(path=str(ARTIFACTS / f"widgets-chart-420px-{theme}.png"))
        watch.check()


def test_date_picker_sends_its_date_with_the_form_and_on_change(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    responder = ShowcaseResponder()
    server = start_server(stack, tmp_path, responder=responder)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "date-user")
    send(page, "show me a chart")
    wait_idle(page)
    date = page.locator(f'{CHAT} form input[type="date"][name="date"]')
    expect(date).to_have_accessible_name("Travel date")
    expect(date).to_have_value("2026-06-01")
    expect(date).to_have_attribute("min", "2026-01-01")
    expect(date).to_have_attribute("max", "2026-12-31")
    date.fill("2026-07-14")
    page.locator(f"{CHAT} form").get_by_role("button", name="Book").click()
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text("Action trip.book: 2026-07-14")
    assert responder.actions[-1] == ("trip.book", {"trip": "lake", "date": "2026-07-14"})

    # Outside a form, setting a date fires its onChangeAction with the date under the field's name.
    reminder = page.get_by_label("Reminder")
    reminder.fill("2026-07-10")
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text("Action trip.remind: 2026-07-10")
    assert responder.actions[-1] == ("trip.remind", {"reminder": "2026-07-10"})
    assert len(responder.actions) == 2
    watch.check()


def test_the_chosen_composer_tool_reaches_the_server(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=ShowcaseResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "tools-user")
    page.evaluate(
        """(tools) => {
            const chat = document.querySelector('chatkit-host-chat');
            chat.setOptions({...chat.options, composer: {...(chat.options.composer || {}), tools}});
        }""",
        TOOLS,
    )
    picker = page.locator(f"{CHAT} select.ck-tool")
    expect(picker).to_be_visible()
    expect(picker).to_have_accessible_name("Tool")
    expect(picker).to_have_value("")
    expect(picker.locator("option")).to_have_text(["No tool", "Search the web", "Draw a picture"])
    box = page.locator(f"{CHAT} .ck-input")
    default_placeholder = box.get_attribute("placeholder")
    picker.select_option("search")
    expect(box).to_have_attribute("placeholder", "Search for…")
    screenshot(page, "composer-tools-light")

    send(page, "echo options")
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text("Tool choice: search")
    # The choice is for one message, as in ChatKit: the picker is back on "No tool".
    expect(picker).to_have_value("")
    expect(box).to_have_attribute("placeholder", default_placeholder or "")
    send(page, "echo options again")
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text("Tool choice: None")
    # A `persistent` tool stays chosen from one message to the next.
    picker.select_option("draw")
    for n in (1, 2):
        send(page, f"echo options {n}")
        wait_idle(page)
        expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text("Tool choice: draw")
        expect(picker).to_have_value("draw")

    thread_id = page.evaluate("document.querySelector('chatkit-host-chat').thread.id")
    users = [i for i in rest_items(server, str(thread_id)) if i["type"] == "chatkit.user_message"]
    choices = [u["inference_options"]["tool_choice"] for u in users]  # type: ignore[index]
    assert choices == [{"id": "search"}, None, {"id": "draw"}, {"id": "draw"}]
    watch.check()
