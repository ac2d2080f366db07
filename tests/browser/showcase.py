"""``ShowcaseResponder``: widgets, workflow progress, notices, sources, images and client tools for the UI tests.

It is plugged into the runtime's ``Responder`` seam the way the workflow engine is.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

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

from chatkit_host.runtime.offline import user_text
from chatkit_host.runtime.turn import Turn
from tests.browser.harness import png_bytes

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
