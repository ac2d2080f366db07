"""Widgets with server actions, workflow progress, notices and client tools, rendered by the chat UI.

The answers come from :class:`ShowcaseResponder`, a responder plugged into the runtime's ``Responder`` seam
the way the workflow engine is: the runtime, store and protocol under it are the real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from chatkit.actions import ActionConfig
from chatkit.types import (
    Annotation,
    AssistantMessageContent,
    AssistantMessageItem,
    ClientToolCallItem,
    CustomSummary,
    CustomTask,
    FileSource,
    GeneratedImage,
    GeneratedImageItem,
    NoticeEvent,
    ProgressUpdateEvent,
    StructuredInputFreeform,
    StructuredInputItem,
    StructuredInputMultipleChoice,
    StructuredInputMultipleChoiceOption,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    URLSource,
    WidgetItem,
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
)
from chatkit.widgets import (
    Badge,
    Button,
    Caption,
    Card,
    Col,
    Divider,
    Image,
    ListView,
    ListViewItem,
    Markdown,
    Row,
    Text,
    Title,
)
from playwright.sync_api import Browser, expect

from chatkit_host.runtime.offline import user_text
from chatkit_host.runtime.turn import Turn
from tests.browser.harness import CHAT, new_context, open_playground, png_bytes, send, start_server, wait_idle

pytestmark = pytest.mark.browser

PIXEL = "data:image/png;base64," + __import__("base64").b64encode(png_bytes(4, 4)).decode()


def say(turn: Turn, text: str) -> ThreadItemDoneEvent:
    item = AssistantMessageItem(
        id=turn.new_item_id("message"),
        thread_id=turn.thread.id,
        created_at=datetime.now(),
        content=[AssistantMessageContent(text=text)],
    )
    return ThreadItemDoneEvent(item=item)


def order_card() -> Card:
    return Card(
        id="order",
        children=[
            Row(children=[Title(value="Order #42"), Badge(label="Paid", color="success")]),
            Text(value="Two tickets to the lake."),
            Caption(value="Delivered by e-mail"),
            Markdown(value="**Total:** 24 EUR"),
            Image(src=PIXEL, alt="tiny picture", size=16),
            Divider(),
            Col(
                children=[
                    Button(
                        label="Refund",
                        onClickAction=ActionConfig(type="order.refund", payload={"order": 42}),
                    ),
                    Button(label="External picture", onClickAction=ActionConfig(type="noop")),
                ]
            ),
            Image(src="https://images.example.com/tracker.png", alt="remote picture"),
        ],
    )


def seat_list() -> ListView:
    return ListView(
        children=[
            ListViewItem(
                children=[Text(value=f"Seat {seat}")],
                onClickAction=ActionConfig(type="seat.pick", payload={"order": seat}),
            )
            for seat in ("1A", "1B")
        ]
    )


class ShowcaseResponder:
    """Answers "fail" (once), "tool" and anything else with the item kinds the UI must render."""

    def __init__(self) -> None:
        self.failed = False

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        if turn.input is None:  # after the client tool's output or the answers to questions
            history = await turn.load_history()
            last = next(i for i in reversed(history) if isinstance(i, ClientToolCallItem | StructuredInputItem))
            if isinstance(last, StructuredInputItem):
                answers = [
                    ", ".join(q.answer.values) if q.answer and not q.answer.skipped else "-" for q in last.inputs
                ]
                yield say(turn, f"Answers: {' | '.join(answers)}")
                return
            yield say(turn, f"The browser answered: {last.output['city']}")
            return
        text = user_text(turn.input)
        if "ask" in text:
            questions = [
                StructuredInputMultipleChoice(
                    id="drink",
                    question="What to drink?",
                    options=[StructuredInputMultipleChoiceOption(value=v) for v in ("tea", "juice", "water")],
                    multiple=True,
                ),
                StructuredInputFreeform(id="note", question="Anything else?", description="Allergies, wishes"),
            ]
            yield ThreadItemDoneEvent(
                item=StructuredInputItem(
                    id=turn.new_item_id("message"),
                    thread_id=turn.thread.id,
                    created_at=datetime.now(),
                    inputs=questions,
                )
            )
            return
        if "fail" in text and not self.failed:
            self.failed = True
            raise RuntimeError("the model fell over")
        if "fail" in text:
            yield say(turn, "Second try worked.")
            return
        if "cite" in text:
            sources = [
                Annotation(source=URLSource(url="https://example.org/lake", title="Lake guide"), index=3),
                Annotation(source=FileSource(filename="menu.pdf", title="Picnic menu")),
            ]
            cited = AssistantMessageContent(text="See the guide.", annotations=sources)
            yield ThreadItemDoneEvent(
                item=AssistantMessageItem(
                    id=turn.new_item_id("message"), thread_id=turn.thread.id, created_at=datetime.now(), content=[cited]
                )
            )
            image = GeneratedImage(id="img_1", url=PIXEL)
            yield ThreadItemDoneEvent(
                item=GeneratedImageItem(
                    id=turn.new_item_id("message"), thread_id=turn.thread.id, created_at=datetime.now(), image=image
                )
            )
            return
        if "tool" in text:
            yield ThreadItemDoneEvent(
                item=ClientToolCallItem(
                    id=turn.new_item_id("tool_call"),
                    thread_id=turn.thread.id,
                    created_at=datetime.now(),
                    call_id="call_1",
                    name="get_location",
                    arguments={"precise": True},
                )
            )
            return
        workflow_id = turn.new_item_id("workflow")
        empty = WorkflowItem(
            id=workflow_id,
            thread_id=turn.thread.id,
            created_at=datetime.now(),
            workflow=Workflow(type="custom", tasks=[]),
        )
        yield ThreadItemAddedEvent(item=empty)
        yield ProgressUpdateEvent(text="Looking up the order")
        task = CustomTask(title="Found order 42", content="In the *tickets* table", status_indicator="complete")
        yield ThreadItemUpdatedEvent(item_id=workflow_id, update=WorkflowTaskAdded(task_index=0, task=task))
        await asyncio.sleep(0.05)
        done = Workflow(type="custom", tasks=[task], summary=CustomSummary(title="Checked 1 order"), expanded=True)
        yield ThreadItemDoneEvent(item=empty.model_copy(update={"workflow": done}))
        yield NoticeEvent(level="info", message="Prices include **VAT**.")
        yield ThreadItemDoneEvent(
            item=WidgetItem(
                id=turn.new_item_id("message"), thread_id=turn.thread.id, created_at=datetime.now(), widget=order_card()
            )
        )
        yield ThreadItemDoneEvent(
            item=WidgetItem(
                id=turn.new_item_id("message"), thread_id=turn.thread.id, created_at=datetime.now(), widget=seat_list()
            )
        )

    async def action(self, turn: Turn, action: Any, sender: WidgetItem | None) -> AsyncIterator[ThreadStreamEvent]:
        yield say(
            turn, f"Action {action.type} for order {action.payload['order']} from {sender.id if sender else None}"
        )

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return "Showcase"


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
