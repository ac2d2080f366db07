"""The playground: it needs the admin key (issue 13 item 1), keeps the open thread in the URL and its session
across reloads (F15), offers typed fields for a workflow's state variables (F16), and puts the chat first on
a phone (F14)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.harness import CHAT, new_context, open_playground, screenshot, send, start_server, wait_idle

pytestmark = pytest.mark.browser

TYPED = """
state_variables:
  tier: {type: string, default: free, description: The customer's plan}
  seats: {type: integer, default: 3}
  discount: {type: number}
  vip: {type: boolean, default: false}
agents:
  - name: typed
    instructions: "Customer on {{ state.tier }} with {{ state.seats }} seats."
"""


def status_of(page: object) -> str:
    return page.locator('#session-info dd[data-field="status"]').inner_text()  # type: ignore[attr-defined,no-any-return]


def test_the_playground_asks_for_the_key_and_the_link_with_the_key_leaves_no_trace(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    watch.expected_http_errors.add(401)
    page = watch.attach(context.new_page())
    page.goto(f"{server.base_url}/?user=keyless")
    expect(page.locator("#login")).to_be_visible()
    expect(page.locator("#chat")).to_be_hidden()
    assert not any("/playground/session" in u for u in watch.requests)
    page.locator("#admin-key").fill("ckadm_wrong")
    page.locator("#login button[type=submit]").click()
    expect(page.locator("#login-error")).to_have_text("That key was refused.")
    page.locator("#admin-key").fill(server.admin_key)
    page.locator("#login button[type=submit]").click()
    expect(page.locator('#session-info dd[data-field="status"]')).to_have_text("active")
    expect(page.locator("#login")).to_be_hidden()
    # The first-start link: the key goes from the fragment to this tab's sessionStorage and out of the URL.
    other = watch.attach(context.new_page())
    other.goto(f"{server.base_url}/?user=linked#key={server.admin_key}")
    expect(other.locator('#session-info dd[data-field="status"]')).to_have_text("active")
    assert server.admin_key not in other.url and "#" not in other.url
    assert other.evaluate("() => sessionStorage.getItem('chatkit-host.admin-key')") == server.admin_key
    assert other.evaluate("() => JSON.stringify(localStorage)").find(server.admin_key) == -1
    assert all(server.admin_key not in u for u in watch.requests), "the key must never be in a URL"
    # "Forget key" forgets it.
    other.locator("#logout").click()
    expect(other.locator("#login")).to_be_visible()
    assert other.evaluate("() => sessionStorage.getItem('chatkit-host.admin-key')") is None
    watch.check()


def test_a_reload_reopens_the_thread_with_the_same_session(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "reload-user")
    session_id = page.locator('#session-info dd[data-field="session"]').inner_text()
    send(page, "Remember the lake")
    wait_idle(page)
    thread_id = str(page.locator(f"{CHAT} .ck-thread-entry").first.get_attribute("data-thread-id"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"user": ["reload-user"], "workflow": ["default"], "thread": [thread_id]}
    for _ in range(3):
        page.reload()
        expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("Remember the lake")
        expect(page.locator(f"{CHAT} .ck-start")).to_be_hidden()
        expect(page.locator('#session-info dd[data-field="session"]')).to_have_text(session_id)
    with server.admin() as client:
        sessions = client.get("/v1/chatkit/sessions", params={"user": "reload-user"}).json()["data"]
        assert [s["id"] for s in sessions] == [session_id]
        # Cancelled meanwhile: the next reload does not reuse it, and makes one new session.
        assert client.post(f"/v1/chatkit/sessions/{session_id}/cancel").status_code == 200
    page.reload()
    expect(page.locator('#session-info dd[data-field="session"]')).not_to_have_text(session_id)
    expect(page.locator('#session-info dd[data-field="status"]')).to_have_text("active")
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("Remember the lake")
    # A new chat takes the thread out of the URL.
    page.locator(f"{CHAT} .ck-new").click()
    expect(page.locator(f"{CHAT} .ck-start")).to_be_visible()
    assert "thread" not in parse_qs(urlsplit(page.url).query)
    with server.admin() as client:
        assert len(client.get("/v1/chatkit/sessions", params={"user": "reload-user"}).json()["data"]) == 2
    watch.check()


def test_state_variable_fields_send_typed_values(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    with server.admin() as client:
        published = client.post("/v1/chatkit/workflows", json={"id": "typed", "format": "yaml", "source": TYPED})
        assert published.status_code == 200, published.text
    context, watch = new_context(browser, stack, server.base_url)
    page = watch.attach(context.new_page())
    page.goto(f"{server.base_url}/?user=typed-user&workflow=typed#key={server.admin_key}")
    fields = page.locator("#state-fields")
    expect(fields).to_be_visible()
    tier, seats = fields.locator('input[name="state.tier"]'), fields.locator('input[name="state.seats"]')
    discount, vip = fields.locator('input[name="state.discount"]'), fields.locator('input[name="state.vip"]')
    expect(tier).to_have_value("free")
    expect(tier).to_have_attribute("type", "text")
    expect(seats).to_have_value("3")
    expect(seats).to_have_attribute("step", "1")
    expect(discount).to_have_attribute("type", "number")
    expect(discount).to_have_value("")
    expect(vip).to_have_attribute("type", "checkbox")
    expect(vip).not_to_be_checked()
    expect(page.locator('#session-info dd[data-field="status"]')).to_have_text("active")
    tier.fill("gold")
    seats.fill("12")
    discount.fill("0.25")
    vip.check()
    page.locator("#start").click()
    expect(page.locator('#session-info dd[data-field="state"]')).to_contain_text('tier = "gold"')
    session_id = page.locator('#session-info dd[data-field="session"]').inner_text()
    with server.admin() as client:
        session = client.get(f"/v1/chatkit/sessions/{session_id}").json()
    assert session["workflow"]["state_variables"] == {"tier": "gold", "seats": 12, "discount": 0.25, "vip": True}
    assert type(session["workflow"]["state_variables"]["seats"]) is int
    # A reload keeps the values the session was made with (and the session itself).
    page.reload()
    expect(page.locator('#session-info dd[data-field="session"]')).to_have_text(session_id)
    expect(page.locator('#state-fields input[name="state.tier"]')).to_have_value("gold")
    expect(page.locator('#state-fields input[name="state.vip"]')).to_be_checked()
    # The built-in workflow declares none: no fields.
    page.locator("#workflow").select_option("default")
    expect(fields).to_be_hidden()
    screenshot(page, "playground-state-fields-light")
    watch.check()


def test_on_a_phone_the_chat_comes_first(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    for theme in ("light", "dark"):
        context, watch = new_context(browser, stack, server.base_url, viewport={"width": 390, "height": 844})
        page = open_playground(context, watch, "phone-user", theme=theme)
        expect(page.locator("#settings")).not_to_have_attribute("open", "")
        header = page.locator(".topbar").bounding_box()
        composer = page.locator(f"{CHAT} .ck-input").bounding_box()
        assert header is not None and header["height"] < 50, header
        assert composer is not None and composer["y"] + composer["height"] <= 844, composer
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
        screenshot(page, f"playground-390px-{theme}")
        # The settings are below the chat, folded; opening them and starting a session goes back to the chat.
        page.locator("#settings summary").click()
        page.locator("#start").click()
        expect(page.locator("#settings")).not_to_have_attribute("open", "")
        send(page, "hello from a phone")
        wait_idle(page)
        watch.check()
    context, watch = new_context(browser, stack, server.base_url)
    wide = open_playground(context, watch, "desk-user")
    expect(wide.locator("#settings")).to_have_attribute("open", "")
    screenshot(wide, "playground-desktop-light")
    watch.check()
