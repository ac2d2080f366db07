"""Widgets with server actions, workflow progress, notices and client tools, rendered by the chat UI.

The answers come from :class:`ShowcaseResponder`, a responder plugged into the runtime's ``Responder`` seam
the way the workflow engine is: the runtime, store and protocol under it are the real ones.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.harness import CHAT, new_context, open_playground, send, start_server, wait_idle
from tests.browser.showcase import ShowcaseResponder

pytestmark = pytest.mark.browser


def test_widget_workflow_notice_and_a_server_action(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=ShowcaseResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "widget-user")
    send(page, "show me the widget")
    wait_idle(page)
    workflow = page.locator(f"{CHAT} .ck-workflow")
    expect(workflow.locator("summary")).to_have_text("Checked 1 order")
    expect(workflow.locator(".ck-task-title")).to_have_text("Found order 42")
    expect(workflow.locator(".ck-task-content em")).to_have_text("tickets")
    expect(page.locator(f"{CHAT} .ck-notice.ck-info")).to_contain_text("Prices include VAT.")
    card = page.locator(f"{CHAT} .ck-w-card")
    expect(card.locator(".ck-w-title")).to_have_text("Order #42")
    expect(card.locator(".ck-w-badge")).to_have_text("Paid")
    expect(card.locator(".ck-w-caption")).to_have_text("Delivered by e-mail")
    expect(card.locator(".ck-w-markdown strong")).to_have_text("Total:")
    expect(card.locator("hr.ck-w-divider")).to_have_count(1)
    expect(card.locator("img.ck-w-image")).to_have_count(1)
    # A picture on another host is named, not loaded: the page talks to this server only.
    expect(card.locator(".ck-w-image-blocked")).to_have_text("[remote picture]")
    card.get_by_role("button", name="Refund").click()
    wait_idle(page)
    widgets = page.locator(f'{CHAT} [data-item-type="widget"]')
    card_id = widgets.first.get_attribute("data-item-id")
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text(f"Action order.refund for order 42 from {card_id}")
    # A list row with an action is a keyboard-usable button.
    seats = page.locator(f"{CHAT} .ck-w-listitem")
    expect(seats).to_have_count(2)
    seats.nth(1).focus()
    page.keyboard.press("Enter")
    wait_idle(page)
    list_id = widgets.nth(1).get_attribute("data-item-id")
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text(f"Action seat.pick for order 1B from {list_id}")
    watch.check()


def test_client_tool_call_runs_in_the_page_and_its_output_goes_back(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server = start_server(stack, tmp_path, responder=ShowcaseResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "tool-user")
    calls = page.evaluate(
        """() => {
            const chat = document.querySelector('chatkit-host-chat');
            window.toolCalls = [];
            chat.setOptions({...chat.options, onClientTool: async (call) => {
                window.toolCalls.push(call);
                return {city: 'Lyon'};
            }});
            return window.toolCalls.length;
        }"""
    )
    assert calls == 0
    send(page, "use the tool")
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text("The browser answered: Lyon")
    assert page.evaluate("() => window.toolCalls") == [{"name": "get_location", "params": {"precise": True}}]
    expect(page.locator(f'{CHAT} .ck-tool[data-status="completed"]')).to_have_count(1)
    watch.check()


def test_a_failed_answer_can_be_retried_from_the_error(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=ShowcaseResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "fail-user")
    send(page, "please fail")
    wait_idle(page)
    error = page.locator(f'{CHAT} .ck-notice.ck-danger[data-code="stream.error"]')
    expect(error).to_contain_text("Something went wrong while answering.")
    error.get_by_role("button", name="Retry").click()
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant")).to_have_text("Second try worked.")
    expect(error).to_have_count(0)
    watch.check()


def test_sources_and_generated_images(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path, responder=ShowcaseResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "cite-user")
    send(page, "cite your sources")
    wait_idle(page)
    sources = page.locator(f"{CHAT} .ck-assistant .ck-sources li")
    expect(sources).to_have_count(2)
    link = sources.first.locator("a")
    expect(link).to_have_text("Lake guide")
    expect(link).to_have_attribute("href", "https://example.org/lake")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(sources.nth(1)).to_have_text("Picnic menu")
    image = page.locator(f"{CHAT} .ck-generated img")
    expect(image).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 4", arg=image.element_handle())
    watch.check()


def test_structured_input_questions_are_answered_in_the_page(
    browser: Browser, stack: ExitStack, tmp_path: Path
) -> None:
    server = start_server(stack, tmp_path, responder=ShowcaseResponder())
    context, watch = new_context(browser, stack, server.base_url)
    page = open_playground(context, watch, "ask-user")
    send(page, "ask me something")
    wait_idle(page)
    form = page.locator(f"{CHAT} .ck-structured")
    form.get_by_label("tea").check()
    form.get_by_label("water").check()
    form.get_by_label("Anything else?").fill("no nuts")
    form.get_by_role("button", name="Submit").click()
    wait_idle(page)
    expect(page.locator(f"{CHAT} .ck-assistant").last).to_have_text("Answers: tea, water | no nuts")
    # The item now shows the answers instead of the form.
    expect(page.locator(f"{CHAT} .ck-structured .ck-answer")).to_have_text(["tea, water", "no nuts"])
    expect(page.locator(f"{CHAT} .ck-structured textarea")).to_have_count(0)
    watch.check()
