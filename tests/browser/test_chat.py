"""The chat UI in the playground, end to end in headless chromium against the real server."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from chatkit_host.server.workflows.offline import OfflineResponder
from tests.browser.harness import (
    CHAT,
    assistant_texts,
    new_context,
    open_playground,
    png_bytes,
    rest_items,
    rest_threads,
    send,
    start_server,
    wait_idle,
)

pytestmark = pytest.mark.browser


def test_reply_streams_in_and_renders_markdown(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=OfflineResponder(delay=0.04))
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "stream-user")
    send(page, "Say **bold** and `code` please")
    assistant = page.locator(f"{CHAT} .ck-assistant").last
    expect(assistant).to_have_class("ck-msg ck-assistant ck-streaming")
    expect(page.locator(f'{CHAT} .ck-send[data-role="stop"]')).to_be_visible()
    lengths: list[int] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        texts = assistant_texts(page)
        if texts:
            lengths.append(len(texts[-1]))
        if page.locator(f'{CHAT} .ck-send[data-role="send"]').count():
            break
        time.sleep(0.05)
    growth = sorted(set(lengths))
    assert len(growth) >= 4, f"the reply did not arrive in pieces: {growth}"
    assert lengths == sorted(lengths), "the visible reply shrank while streaming"
    final = assistant_texts(page)[-1]
    assert final.endswith("Say bold and code please")
    expect(assistant.locator("strong")).to_have_text("bold")
    expect(assistant.locator("code")).to_have_text("code")
    # The user's own message is shown verbatim, never as Markdown.
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("Say **bold** and `code` please")
    watch.check()


def test_model_html_is_shown_as_text_never_as_markup(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "html-user")
    hostile = '<img src="/x" onerror="window.pwned=1"> [link](javascript:alert(1)) <b>b</b>'
    send(page, hostile)
    wait_idle(page)
    body = page.locator(f"{CHAT} .ck-assistant .ck-assistant-body").last
    expect(body).to_contain_text('<img src="/x" onerror="window.pwned=1">')
    assert body.locator("img, b, script").count() == 0
    assert body.locator("a").count() == 0, "a javascript: link must not become a link"
    assert page.evaluate("() => window.pwned") is None
    watch.check()


def test_stop_midway_keeps_the_partial_answer(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=OfflineResponder(delay=0.05, repeat=40))
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "stop-user")
    send(page, "one two three four five")
    shadow = f"document.querySelector('{CHAT}').shadowRoot"
    page.wait_for_function(f"() => ({shadow}.querySelector('.ck-assistant')?.innerText || '').length > 60")
    page.locator(f'{CHAT} .ck-send[data-role="stop"]').click()
    wait_idle(page, timeout=5_000)
    expect(page.locator(f"{CHAT} .ck-stopped")).to_be_visible()
    shown = assistant_texts(page)[-1]
    time.sleep(0.5)
    assert assistant_texts(page)[-1] == shown, "text kept arriving after stop"
    full_words = 20 + 5 + 5 * 39
    assert len(shown.split()) < full_words
    # The server kept the partial answer, as the protocol says it must on a client disconnect.
    thread_id = page.locator(f"{CHAT} .ck-thread-entry").first.get_attribute("data-thread-id")
    assert thread_id
    deadline = time.monotonic() + 5
    saved: list[str] = []
    while time.monotonic() < deadline and not saved:
        items = rest_items(server, thread_id)
        saved = [str(i["content"][0]["text"]) for i in items if i["type"] == "chatkit.assistant_message"]  # type: ignore[index]
        time.sleep(0.1)
    assert saved and len(saved[0].split()) < full_words
    # The composer works again after a stop.
    page.locator(f"{CHAT} .ck-input").fill("again")
    expect(page.locator(f'{CHAT} .ck-send[data-role="send"]')).to_be_enabled()
    watch.check()


def test_reload_finds_the_thread_in_history_with_its_title(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "history-user")
    send(page, "Plan a picnic by the lake")
    wait_idle(page)
    entry = page.locator(f"{CHAT} .ck-thread-entry").first
    expect(entry.locator(".ck-thread-open")).to_have_text("Plan a picnic by the lake")
    title = entry.locator(".ck-thread-open").inner_text()
    expect(page.locator(f"{CHAT} .ck-title")).to_have_text(title)
    page.reload()
    page.locator('#session-info dd[data-field="status"]', has_text="active").wait_for()
    again = page.locator(f"{CHAT} .ck-thread-entry .ck-thread-open", has_text=title)
    expect(again).to_have_count(1)
    # The playground keeps the open thread in its URL (?thread=), so the reload reopens it.
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("Plan a picnic by the lake")
    again.click()
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("Plan a picnic by the lake")
    expect(page.locator(f"{CHAT} .ck-assistant")).to_have_count(1)
    # Rename from the history list, and the server has the new title.
    page.locator(f"{CHAT} .ck-thread-entry [data-action=rename]").first.click()
    page.locator(f"{CHAT} .ck-rename-input").fill("Lake picnic")
    page.locator(f"{CHAT} .ck-rename-input").press("Enter")
    expect(page.locator(f"{CHAT} .ck-thread-open").first).to_have_text("Lake picnic")
    assert rest_threads(server, "history-user")[0]["title"] == "Lake picnic"
    watch.check()


def test_image_upload_shows_previews_before_and_after_sending(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "upload-user")
    image = tmp_path / "dot.png"
    image.write_bytes(png_bytes())
    page.locator(f'{CHAT} .ck-composer input[type="file"]').set_input_files(str(image))
    chip = page.locator(f'{CHAT} .ck-chip[data-status="done"] img.ck-chip-preview')
    expect(chip).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", chip.element_handle()) == 24
    send(page, "What is in this picture?")
    wait_idle(page)
    sent = page.locator(f"{CHAT} .ck-user img.ck-att-image")
    expect(sent).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 24", arg=sent.element_handle())
    # After a reload the preview comes from the server (a signed URL fetched through the chat's fetch).
    page.reload()
    page.locator(f"{CHAT} .ck-thread-open").first.click()
    reloaded = page.locator(f"{CHAT} .ck-user img.ck-att-image")
    expect(reloaded).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 24", arg=reloaded.element_handle())
    assert any("/chatkit/attachments/" in u and "/content" in u for u in watch.requests)
    thread_id = page.locator(f"{CHAT} .ck-thread-entry").first.get_attribute("data-thread-id")
    user_item = rest_items(server, str(thread_id))[0]
    assert user_item["attachments"][0]["name"] == "dot.png"  # type: ignore[index]
    watch.check()


def test_retry_replaces_the_answer(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "retry-user")
    send(page, "Tell me something")
    wait_idle(page)
    first_id = page.locator(f"{CHAT} .ck-assistant").get_attribute("data-item-id")
    page.locator(f"{CHAT} .ck-assistant [data-action=retry]").click()
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant")).to_have_count(1)
    second_id = page.locator(f"{CHAT} .ck-assistant").get_attribute("data-item-id")
    assert second_id and second_id != first_id
    thread_id = page.locator(f"{CHAT} .ck-thread-entry").first.get_attribute("data-thread-id")
    items = rest_items(server, str(thread_id))
    assert [i["type"] for i in items] == ["chatkit.user_message", "chatkit.assistant_message"]
    assert items[1]["id"] == second_id
    watch.check()


def test_a_second_user_does_not_see_the_first_users_threads(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    alice_context, alice_watch = new_context(browser, stack, server.base_url)
    alice = open_playground(alice_context, alice_watch, "alice")
    send(alice, "Alice's private plans")
    wait_idle(alice)
    expect(alice.locator(f"{CHAT} .ck-thread-entry")).to_have_count(1)
    bob_context, bob_watch = new_context(browser, stack, server.base_url)
    bob = open_playground(bob_context, bob_watch, "bob")
    expect(bob.locator(f"{CHAT} .ck-empty")).to_be_visible()
    expect(bob.locator(f"{CHAT} .ck-thread-entry")).to_have_count(0)
    assert "Alice" not in bob.locator(CHAT).inner_text()
    send(bob, "Bob's thread")
    wait_idle(bob)
    expect(bob.locator(f"{CHAT} .ck-thread-entry")).to_have_count(1)
    alice.reload()
    alice.locator('#session-info dd[data-field="status"]', has_text="active").wait_for()
    expect(alice.locator(f"{CHAT} .ck-thread-entry")).to_have_count(1)
    expect(alice.locator(f"{CHAT} .ck-thread-open")).to_have_text("Alice's private plans")
    alice_watch.check()
    bob_watch.check()


def test_keyboard_only_chat_at_320px(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=OfflineResponder(delay=0.05, repeat=30))
    context, watch = new_context(browser, stack, server.base_url, viewport={"width": 320, "height": 640})
    page = open_playground(context, watch, "narrow-user")
    # Nothing overflows sideways at 320 px.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    page.locator(f"{CHAT} .ck-input").focus()
    page.keyboard.type("typed with the keyboard")
    page.keyboard.press("Enter")
    page.locator(f"{CHAT} .ck-assistant").wait_for()
    page.keyboard.press("Escape")
    wait_idle(page, timeout=5_000)
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("typed with the keyboard")
    # The history drawer opens from the header and a thread is reachable by keyboard.
    page.locator(f"{CHAT} .ck-history-toggle").focus()
    page.keyboard.press("Enter")
    expect(page.locator(f"{CHAT} .ck-history")).to_be_visible()
    box = page.locator(f"{CHAT} .ck-history").bounding_box()
    assert box is not None and box["width"] <= 320
    watch.check()


def test_composer_limits_and_deleting_a_thread(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "limits-user")
    page.locator('#session-form input[name="max_file_size"]').fill("1")
    page.locator('#session-form input[name="max_files"]').fill("1")
    before = page.locator('#session-info dd[data-field="session"]').inner_text()
    page.locator("#start").click()
    expect(page.locator('#session-info dd[data-field="session"]')).not_to_have_text(before)
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (1024 * 1024 + 1))
    files = page.locator(f'{CHAT} .ck-composer input[type="file"]')
    files.set_input_files(str(big))
    expect(page.locator(f"{CHAT} .ck-notice.ck-warning")).to_contain_text("big.bin is larger than 1 MB")
    small = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for path in small:
        path.write_text("hello")
    files.set_input_files([str(p) for p in small])
    expect(page.locator(f"{CHAT} .ck-notice.ck-warning").last).to_contain_text("At most 1 files")
    expect(page.locator(f"{CHAT} .ck-chip")).to_have_count(1)
    page.locator(f"{CHAT} .ck-chip-remove").click()
    expect(page.locator(f"{CHAT} .ck-chip")).to_have_count(0)
    send(page, "to be deleted")
    wait_idle(page)
    entry = page.locator(f"{CHAT} .ck-thread-entry")
    expect(entry).to_have_count(1)
    entry.locator("[data-action=delete]").click()
    entry.locator("[data-action=confirm-delete]").click()
    expect(page.locator(f"{CHAT} .ck-thread-entry")).to_have_count(0)
    expect(page.locator(f"{CHAT} .ck-start")).to_be_visible()
    assert rest_threads(server, "limits-user") == []
    watch.check()


def test_rate_limit_is_explained(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    context, watch = new_context(browser, stack, server.base_url)
    watch.expected_http_errors.add(429)
    page = open_playground(context, watch, "busy-user")
    page.locator('#session-form input[name="rpm"]').fill("2")
    before = page.locator('#session-info dd[data-field="session"]').inner_text()
    page.locator("#start").click()
    expect(page.locator('#session-info dd[data-field="session"]')).not_to_have_text(before)
    expect(page.locator(f"{CHAT} .ck-empty")).to_be_visible()  # threads.list: request 1 of 2
    send(page, "first")  # request 2 of 2
    wait_idle(page)
    send(page, "second")
    expect(page.locator(f"{CHAT} .ck-notice.ck-danger")).to_contain_text("Too many messages. Try again in")
    expect(page.locator(f"{CHAT} .ck-input")).to_be_enabled()
    watch.check()


def test_playground_off_explains_itself(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, playground=False)
    context, watch = new_context(browser, stack, server.base_url)
    watch.expected_http_errors.add(404)
    page = watch.attach(context.new_page())
    page.goto(f"{server.base_url}/")
    expect(page.locator("#playground-message")).to_contain_text("CHATKIT_HOST_PLAYGROUND=1")
    expect(page.locator("#start")).to_be_disabled()
    watch.check()
