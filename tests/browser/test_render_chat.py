"""The chat's own feedback around a reply: the typing indicator, the feedback toast, the history rename field,
and an accessible, keyboard-usable composer (newcomer finding F18, issue 11 item 4)."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import CHAT, new_context, open_playground, send, start_server, wait_idle
from tests.browser.render_samples import RenderResponder

pytestmark = pytest.mark.browser

SHADOW = f"document.querySelector('{CHAT}').shadowRoot"


def typing_dots(page: Page) -> str:
    """The animation of the dots after the last user message ("none" when they are not shown)."""
    name: str = page.evaluate(
        f"""() => {{
            const users = {SHADOW}.querySelectorAll('.ck-thread > .ck-user');
            const last = users[users.length - 1];
            if (!last || last !== last.parentNode.lastElementChild) return 'none';
            const after = getComputedStyle(last, '::after');
            return after.content === 'none' ? 'none' : after.animationName;
        }}"""
    )
    return name


def test_three_dots_show_until_the_first_token(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "dots-user")
    send(page, "slow please")
    page.locator(f"{CHAT} .ck-user").wait_for()
    assert typing_dots(page) == "ck-typing"
    dots = page.evaluate(f"() => getComputedStyle({SHADOW}.querySelector('.ck-user'), '::after').height")
    assert dots == "20px"
    page.locator(f"{CHAT} .ck-assistant").wait_for()
    wait_idle(page)
    assert typing_dots(page) == "none"
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text("You said: slow please")
    watch.check()


def test_feedback_thanks_is_a_toast_that_goes_away(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "toast-user")
    send(page, "hello")
    wait_idle(page)
    page.locator(f'{CHAT} [data-action="feedback-positive"]').click()
    toast = page.locator(f"{CHAT} .ck-notice", has_text="Thanks for the feedback")
    expect(toast).to_be_visible()
    expect(toast).to_have_count(0, timeout=6_000)
    expect(page.locator(f'{CHAT} [data-action="feedback-positive"]')).to_have_attribute("aria-pressed", "true")
    watch.check()


def test_the_rename_field_and_delete_question_get_the_whole_row(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "rename-user")
    send(page, "hello")
    wait_idle(page)
    entry = page.locator(f"{CHAT} .ck-thread-entry").first
    entry_width = entry.bounding_box()["width"]  # type: ignore[index]
    entry.locator("[data-action=rename]").click()
    field = page.locator(f"{CHAT} .ck-rename-input")
    box = field.bounding_box()
    assert box is not None and box["width"] >= entry_width - 30, (box, entry_width)
    # The buttons sit on one line, together.
    tops = page.locator(f"{CHAT} .ck-rename button").evaluate_all("(b) => b.map((x) => x.getBoundingClientRect().top)")
    assert len(tops) == 2 and tops[0] == tops[1]
    field.press("Escape")
    entry.locator("[data-action=delete]").click()
    buttons = page.locator(f"{CHAT} .ck-confirm button")
    tops = buttons.evaluate_all("(b) => b.map((x) => x.getBoundingClientRect().top)")
    assert len(tops) == 2 and tops[0] == tops[1], "Delete and Cancel should share a line"
    watch.check()


def test_composer_is_labelled_and_keyboard_usable(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "keys-user")
    box = page.locator(f"{CHAT} .ck-input")
    expect(box).to_have_attribute("aria-label", "Message")
    expect(page.locator(f"{CHAT} .ck-send")).to_have_attribute("aria-label", "Send")
    expect(page.locator(f"{CHAT} .ck-attach")).to_have_attribute("aria-label", "Add files")
    box.focus()
    ring = page.evaluate(f"() => getComputedStyle({SHADOW}.querySelector('.ck-composer-row')).boxShadow")
    assert ring != "none", "the focused composer shows a focus ring"
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    expect(box).to_have_value("first line\nsecond line")
    page.keyboard.press("Enter")
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("first line\nsecond line")
    # Tab reaches the send button from the text box, and its focus is visible.
    box.focus()
    page.keyboard.type("x")
    page.keyboard.press("Tab")
    focused = page.evaluate(
        f"() => {{ const a = {SHADOW}.activeElement; return [a.className, getComputedStyle(a).outlineStyle]; }}"
    )
    assert focused == ["ck-send", "solid"], focused
    # Escape stops a streaming answer.
    box.fill("slow and long")
    box.press("Enter")
    expect(page.locator(f'{CHAT} .ck-send[data-role="stop"]')).to_be_visible()
    box.press("Escape")
    wait_idle(page, timeout=5_000)
    expect(page.locator(f"{CHAT} .ck-stopped")).to_be_visible()
    watch.check()
