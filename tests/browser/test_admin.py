"""The admin console against the real server, with the playground producing the data it shows."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from chatkit_host.server.workflows.offline import OfflineResponder
from tests.browser.harness import (
    CHAT,
    new_context,
    open_admin,
    open_playground,
    screenshot,
    send,
    start_server,
    wait_idle,
)
from tests.support.fake_openai import Reply, ToolCall, start_fake_openai

pytestmark = pytest.mark.browser


def test_the_console_needs_the_key_and_keeps_it_only_in_the_tab(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    watch.expected_http_errors.add(401)
    page = watch.attach(context.new_page())
    page.goto(f"{server.base_url}/admin")
    page.locator("#admin-key").fill("ckadm_wrong")
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#login-error")).to_have_text("That key was refused.")
    page.locator("#admin-key").fill(server.admin_key)
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#console")).to_be_visible()
    assert page.evaluate("() => sessionStorage.getItem('chatkit-host.admin-key')") == server.admin_key
    assert page.evaluate("() => JSON.stringify(localStorage)").find(server.admin_key) == -1
    assert page.context.cookies() == []
    # A new tab of the same browser starts logged out: sessionStorage is per tab.
    other = watch.attach(context.new_page())
    other.goto(f"{server.base_url}/admin")
    expect(other.locator("#login")).to_be_visible()
    watch.check()


def test_feedback_reaches_the_admin_console(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    chat = open_playground(context, watch, "feedback-user")
    send(chat, "Rate this answer")
    wait_idle(chat)
    assistant = chat.locator(f"{CHAT} .ck-assistant")
    item_id = assistant.get_attribute("data-item-id")
    assistant.locator("[data-action=feedback-positive]").click()
    expect(assistant.locator("[data-action=feedback-positive]")).to_have_attribute("aria-pressed", "true")
    admin = open_admin(context, watch, server.admin_key)
    admin.locator('.tab[data-view="feedback"]').click()
    row = admin.locator(f'#view tr[data-item-id="{item_id}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("positive")
    expect(row).to_contain_text("feedback-user")
    watch.check()


def test_cancelling_a_session_in_the_console_stops_the_chat(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=OfflineResponder(delay=0.05, repeat=200))
    context, watch = new_context(browser, stack, server.base_url)
    watch.expected_http_errors.add(401)
    chat = open_playground(context, watch, "cancel-user")
    session_id = chat.locator('#session-info dd[data-field="session"]').inner_text()
    send(chat, "a long answer please")
    chat.locator(f"{CHAT} .ck-assistant").wait_for()
    admin = open_admin(context, watch, server.admin_key)
    row = admin.locator(f'#view tr[data-session-id="{session_id}"]')
    expect(row).to_contain_text("active")
    # F13: one click only asks; "No" keeps the session, "Yes" cancels it.
    row.get_by_role("button", name=f"Cancel session {session_id}").click()
    expect(row).to_contain_text("End this session for its user?")
    row.get_by_role("button", name="No").click()
    expect(row).to_contain_text("active")
    row.get_by_role("button", name=f"Cancel session {session_id}").click()
    row.get_by_role("button", name=f"Yes: Cancel session {session_id}").click()
    expect(admin.locator(f'#view tr[data-session-id="{session_id}"]')).to_contain_text("cancelled")
    admin.get_by_label("Status").select_option("active")
    expect(admin.locator("#view tr[data-session-id]")).to_have_count(0)
    admin.get_by_label("Status").select_option("cancelled")
    expect(admin.locator("#view tr[data-session-id]")).to_have_count(1)
    expect(admin.locator("#view .hint")).to_contain_text("0 active · 0 expired · 1 cancelled")
    # The answer in flight ends with a message that says why.
    wait_idle(chat, timeout=10_000)
    expect(chat.locator(f"{CHAT} .ck-notice.ck-danger").last).to_contain_text("session was cancelled")
    # The next message is refused with a clear sentence, and the composer says so instead of failing silently.
    chat.locator(f"{CHAT} .ck-input").fill("are you there?")
    chat.locator(f"{CHAT} .ck-input").press("Enter")
    notice = chat.locator(f'{CHAT} .ck-notice[data-code="session_cancelled"]')
    expect(notice).to_contain_text("cancelled by an administrator")
    expect(chat.locator(f"{CHAT} .ck-composer-reason")).to_contain_text("Start a new session")
    expect(chat.locator(f"{CHAT} .ck-input")).to_be_disabled()
    expect(chat.locator('#session-info dd[data-field="status"]')).to_have_text("cancelled")
    # Starting a new session from the playground form brings the chat back.
    chat.locator("#start").click()
    expect(chat.locator('#session-info dd[data-field="status"]')).to_have_text("active")
    expect(chat.locator(f"{CHAT} .ck-input")).to_be_enabled()
    send(chat, "back again")
    expect(chat.locator(f"{CHAT} .ck-user")).to_have_count(1)
    expect(chat.locator(f"{CHAT} .ck-user")).to_have_text("back again")
    watch.check()


def test_threads_by_user_with_items_and_delete(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    chat = open_playground(context, watch, "threads-user")
    send(chat, "First question")
    wait_idle(chat)
    other = open_playground(context, watch, "someone-else")
    send(other, "Unrelated")
    wait_idle(other)
    admin = open_admin(context, watch, server.admin_key)
    admin.locator('.tab[data-view="threads"]').click()
    expect(admin.locator("#view tr[data-thread-id]")).to_have_count(2)
    admin.locator('#view input[name="user"]').fill("threads-user")
    admin.locator('#view input[name="user"]').press("Enter")
    rows = admin.locator("#view tr[data-thread-id]")
    expect(rows).to_have_count(1)
    rows.get_by_role("link").first.click()
    items = admin.locator("#view .items li")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("First question")
    expect(items.nth(1)).to_contain_text("assistant_message")
    thread_id = rows.get_attribute("data-thread-id")
    admin.get_by_role("button", name="Delete thread…").click()
    admin.get_by_role("button", name="Yes: Delete thread…").click()
    expect(admin.locator("#view tr[data-thread-id]")).to_have_count(0)
    with server.admin() as client:
        assert client.get(f"/v1/chatkit/threads/{thread_id}").status_code == 404
    watch.check()


def test_workflows_and_traces_views_show_what_the_api_has(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    with server.admin() as client:
        workflows = client.get("/v1/chatkit/workflows").json()["data"]
        traces = client.get("/v1/chatkit/traces").json()["data"]
    admin = open_admin(context, watch, server.admin_key)
    admin.locator('.tab[data-view="workflows"]').click()
    expect(admin.locator("#view tr[data-workflow-id]")).to_have_count(len(workflows))
    admin.locator('.tab[data-view="traces"]').click()
    expect(admin.locator("#view tr[data-trace-id]")).to_have_count(len(traces))
    watch.check()


WORKFLOW = """
models: [fake-small]
agents:
  - name: clock
    model: fake-small
    instructions: "You tell the time."
    tools:
      - builtin: current_time
"""


def test_a_workflow_run_shows_as_a_trace_waterfall_with_tokens(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    """The playground picks a published workflow; its run (model on a fake OpenAI server) is traced."""
    fake = start_fake_openai(stack)
    fake.script(Reply(tool_calls=[ToolCall("current_time", {})]), Reply(text="It is tea time."))
    server = start_server(stack, tmp_path, openai_base_url=fake.base_url + "/v1")
    with server.admin() as client:
        published = client.post("/v1/chatkit/workflows", json={"id": "clock", "format": "yaml", "source": WORKFLOW})
        assert published.status_code == 200, published.text
    context, watch = new_context(browser, stack, server.base_url)
    page = watch.attach(context.new_page())
    page.goto(f"{server.base_url}/?user=trace-user&workflow=clock#key={server.admin_key}")
    expect(page.locator('#session-info dd[data-field="workflow"]')).to_have_text("clock")
    send(page, "What time is it?")
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_contain_text("It is tea time.")
    admin = open_admin(context, watch, server.admin_key)
    admin.locator('.tab[data-view="workflows"]').click()
    admin.locator('#view tr[data-workflow-id="clock"] a').click()
    expect(admin.locator("#view tr[data-version]")).to_have_count(1)
    expect(admin.locator("#view tr[data-version]")).to_contain_text("latest")
    admin.locator('.tab[data-view="traces"]').click()
    row = admin.locator("#view tr[data-trace-id]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("clock")
    expect(row).to_contain_text("36")  # two model calls of 11 input + 7 output tokens
    row.get_by_role("link").first.click()
    bars = admin.locator("#view .span-row")
    expect(bars.first).to_be_visible()
    kinds = admin.locator("#view .span-bar").evaluate_all("(bars) => bars.map((b) => b.dataset.kind)")
    assert "model" in kinds and "tool" in kinds, kinds
    expect(admin.locator("#view .span-row", has_text="11 in / 7 out tokens")).to_have_count(2)
    # Bars sit inside their track and start in time order.
    lefts = admin.locator("#view .span-bar").evaluate_all("(bars) => bars.map((b) => parseFloat(b.style.left))")
    assert lefts == sorted(lefts) and all(0 <= x <= 100 for x in lefts)
    screenshot(admin, "admin-traces-light")
    watch.check()
