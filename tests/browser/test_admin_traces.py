"""The admin console answers "what happened in this conversation?": traces with their start, thread and user,
span inputs and outputs, usage over time, and a URL for every view that survives a reload (issue 16, F11-F14)."""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import new_context, open_admin, screenshot, start_server
from tests.support.fake_openai import FakeOpenAI, Reply, ToolCall, start_fake_openai
from tests.support.servers import RunningServer
from tests.support.workflows import runtime

pytestmark = pytest.mark.browser

CLOCK = """
models: [fake-small]
agents:
  - name: clock
    model: fake-small
    instructions: "You tell the time, briefly."
    tools:
      - builtin: current_time
"""


def clock_server(stack: ExitStack, tmp_path: Path) -> tuple[RunningServer, FakeOpenAI]:
    fake = start_fake_openai(stack)
    server = start_server(stack, tmp_path, openai_base_url=fake.base_url + "/v1")
    with server.admin() as client:
        published = client.post("/v1/chatkit/workflows", json={"id": "clock", "format": "yaml", "source": CLOCK})
        assert published.status_code == 200, published.text
    return server, fake


def hash_of(page: Page) -> str:
    return page.evaluate("() => window.location.hash")


def test_a_trace_shows_its_prompts_and_opens_its_thread_and_every_view_has_a_url(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server, fake = clock_server(stack, tmp_path)
    fake.script(
        Reply(tool_calls=[ToolCall("current_time", {"zone": "UTC"})], input_tokens=11, output_tokens=7),
        Reply(text="It is tea time.", input_tokens=13, output_tokens=5),
    )
    thread_id, _ = runtime(server, {"id": "clock"}, user="trace-user").create_thread("What time is it?")
    context, watch = new_context(browser, stack, server.base_url)
    admin = open_admin(context, watch, server.admin_key)
    admin.locator('.tab[data-view="traces"]').click()
    assert hash_of(admin) == "#traces"
    row = admin.locator("#view tr[data-trace-id]")
    expect(row).to_have_count(1)
    trace_id = str(row.get_attribute("data-trace-id"))
    # F12: a start time to tell runs apart, and the thread and user as links.
    started = row.locator('td[data-label="Started"] a')
    expect(started).to_have_text(re.compile(r"\d{1,2}:\d{2}:\d{2}"))
    expect(row.locator('td[data-label="Thread"] a')).to_have_attribute("href", f"#threads/{thread_id}")
    expect(row.locator('td[data-label="User"] a')).to_have_text("trace-user")
    started.click()
    assert hash_of(admin) == f"#traces/{trace_id}"
    detail = admin.locator("#view .detail")
    expect(detail.locator('dd[data-field="thread"]')).to_have_text(thread_id)

    # What each span was sent and answered: the prompt, the tool call and its result, the final text.
    def open_span(kind: str, nth: int = 0) -> None:
        admin.locator(f'#view details.span[data-kind="{kind}"]').nth(nth).locator("summary").click()

    open_span("model", 0)
    first = admin.locator('#view details.span[data-kind="model"]').nth(0)
    expect(first.locator('.io[data-role="instructions"] pre')).to_have_text("You tell the time, briefly.")
    expect(first.locator('.io[data-role="user"] pre')).to_have_text("What time is it?")
    expect(first.locator('.io[data-role="output"]')).to_contain_text("tool_call · current_time")
    open_span("tool")
    tool = admin.locator('#view details.span[data-kind="tool"]')
    expect(tool.locator('.io[data-role="arguments"] pre')).to_contain_text('"zone": "UTC"')
    expect(tool.locator('.io[data-role="result"] pre')).not_to_be_empty()
    open_span("model", 1)
    second = admin.locator('#view details.span[data-kind="model"]').nth(1)
    expect(second.locator('.io[data-role="output"] pre')).to_have_text("It is tea time.")
    expect(second.locator('.io[data-role="tool_result"]')).to_have_count(1)
    screenshot(admin, "admin-trace-spans-light")

    # The deep link survives a reload.
    admin.reload()
    expect(admin.locator('.tab[aria-selected="true"]')).to_have_text("Traces")
    expect(admin.locator(f'#view tr[data-trace-id="{trace_id}"].selected')).to_be_visible()
    expect(admin.locator('#view .detail dd[data-field="thread"]')).to_have_text(thread_id)

    # The trace opens its thread, which comes back after a reload, and leads back to its runs.
    admin.locator('#view [data-action="open-thread"]').click()
    assert hash_of(admin) == f"#threads/{thread_id}"
    items = admin.locator("#view .detail .items li")
    expect(items.first).to_contain_text("What time is it?")
    expect(items.last).to_contain_text("It is tea time.")
    admin.reload()
    expect(admin.locator('.tab[aria-selected="true"]')).to_have_text("Threads")
    expect(admin.locator("#view .detail .items li").first).to_contain_text("What time is it?")
    admin.locator('#view [data-action="thread-traces"]').click()
    assert hash_of(admin) == f"#traces?thread_id={thread_id}"
    expect(admin.locator("#view tr[data-trace-id]")).to_have_count(1)
    expect(admin.locator("#view .filters")).to_contain_text(f"Runs of thread {thread_id}")
    # The back button walks the same way back.
    admin.go_back()
    expect(admin.locator("#view .detail .items li").first).to_contain_text("What time is it?")
    admin.go_back()
    assert hash_of(admin) == f"#traces/{trace_id}"
    expect(admin.locator('#view .detail dd[data-field="thread"]')).to_have_text(thread_id)
    watch.check()


def test_filters_and_workflows_have_urls_and_the_builtin_is_not_dated_1970(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server, fake = clock_server(stack, tmp_path)
    fake.script(Reply(text="one"), Reply(text="two"))
    for user in ("ann", "bob"):
        runtime(server, {"id": "clock"}, user=user).create_thread("hello")
    context, watch = new_context(browser, stack, server.base_url)
    admin = open_admin(context, watch, server.admin_key)
    admin.locator('#view input[name="user"]').fill("ann")
    admin.locator('#view input[name="user"]').press("Enter")
    expect(admin.locator("#view tr[data-session-id]")).to_have_count(1)
    assert hash_of(admin) == "#sessions?user=ann"
    admin.reload()
    expect(admin.locator('#view input[name="user"]')).to_have_value("ann")
    expect(admin.locator("#view tr[data-session-id]")).to_have_count(1)
    # A session's runs are one click away.
    admin.locator("#view tr[data-session-id] a", has_text="Traces").click()
    expect(admin.locator("#view tr[data-trace-id]")).to_have_count(1)
    expect(admin.locator("#view tr[data-trace-id]")).to_contain_text("ann")
    # F11: the built-in workflow says so instead of "Published 1/1/70".
    admin.goto(f"{server.base_url}/admin#workflows/default")
    expect(admin.locator('#view tr[data-workflow-id="default"].selected')).to_be_visible()
    expect(admin.locator('#view tr[data-version="1"] td[data-field="published"]')).to_have_text("built-in")
    admin.locator('#view tr[data-workflow-id="clock"] a').click()
    assert hash_of(admin) == "#workflows/clock"
    published = admin.locator('#view tr[data-version="1"] td[data-field="published"]')
    expect(published).not_to_have_text("built-in")
    expect(published).not_to_contain_text("1970")
    expect(published).to_have_text(re.compile(r"\d{1,2}:\d{2}:\d{2}"))
    admin.reload()
    expect(admin.locator("#view .detail h3")).to_have_text("clock")
    watch.check()


def test_usage_chart_per_user_over_time_with_a_url(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server, fake = clock_server(stack, tmp_path)
    fake.script(
        Reply(text="a", input_tokens=100, output_tokens=20),
        Reply(text="b", input_tokens=10, output_tokens=2),
        Reply(text="c", input_tokens=30, output_tokens=6),
    )
    for user in ("ann", "bob", "ann"):
        runtime(server, {"id": "clock"}, user=user).create_thread("hello")
    for theme in ("light", "dark"):
        context, watch = new_context(browser, stack, server.base_url)
        admin = open_admin(context, watch, server.admin_key)
        if theme == "dark":
            admin.locator("#theme-toggle").click()
        admin.locator('.tab[data-view="usage"]').click()
        assert hash_of(admin) == "#usage"
        bars = admin.locator("#view svg.usage-chart rect")
        expect(bars).to_have_count(2)  # today's bucket, one bar segment per user
        tokens = {r.get_attribute("data-key"): r.get_attribute("data-tokens") for r in bars.all()}
        assert tokens == {"ann": "156", "bob": "12"}
        legend = admin.locator("#view .usage-legend tbody tr")
        expect(legend.first).to_contain_text("ann")
        expect(legend.first).to_contain_text("156")
        expect(legend.first.locator("a")).to_have_attribute("href", "#traces?user=ann")
        screenshot(admin, f"admin-usage-{theme}")
        # Per hour, by thread: the URL says so, and a reload keeps it.
        admin.get_by_label("Per", exact=True).select_option("hour")
        admin.get_by_label("Group by").select_option("thread")
        expect(admin.locator("#view .usage-legend tbody tr")).to_have_count(3)
        assert hash_of(admin) == "#usage?bucket=hour&group_by=thread"
        admin.reload()
        expect(admin.get_by_label("Group by")).to_have_value("thread")
        expect(admin.locator("#view svg.usage-chart rect")).to_have_count(3)
        admin.locator("#view .usage-legend tbody tr a").first.click()
        expect(admin.locator('.tab[aria-selected="true"]')).to_have_text("Threads")
        expect(admin.locator("#view .detail .items li").first).to_contain_text("hello")
        watch.check()


def test_admin_tables_fit_a_phone(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    """F14: at 390 px every column of a row is on screen (rows become cards), none clipped on the right."""
    server, fake = clock_server(stack, tmp_path)
    fake.script(Reply(text="a"))
    runtime(server, {"id": "clock"}, user="phone-user").create_thread("hello")
    for theme in ("light", "dark"):
        context, watch = new_context(browser, stack, server.base_url, viewport={"width": 390, "height": 844})
        admin = open_admin(context, watch, server.admin_key)
        if theme == "dark":
            admin.locator("#theme-toggle").click()
        for view in ("sessions", "traces"):
            admin.locator(f'.tab[data-view="{view}"]').click()
            cells = admin.locator(f'#view[data-view="{view}"] .table-wrap td')
            expect(cells.first).to_be_visible()
            right_edges = cells.evaluate_all("(tds) => tds.map((td) => td.getBoundingClientRect().right)")
            assert right_edges and max(right_edges) <= 390, right_edges
            assert admin.evaluate("() => document.documentElement.scrollWidth") <= 390
            expect(admin.locator('#view td[data-label="Status"]').first).to_be_visible()
            screenshot(admin, f"admin-{view}-390px-{theme}")
        # The header stays one line.
        assert admin.locator(".topbar").bounding_box()["height"] < 50  # type: ignore[index]
        watch.check()
