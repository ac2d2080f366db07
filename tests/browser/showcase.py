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
    BarSeries,
    Button,
    Caption,
    Card,
    Chart,
    Col,
    DatePicker,
    Divider,
    Form,
    Image,
    LineSeries,
    ListView,
    ListViewItem,
    Markdown,
    Row,
    Text,
    Title,
)

from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.history import user_text
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


#: The chart's rows: four months, visits drawn as bars and sign-ups as a line.
CHART_ROWS: list[dict[str, str | int | float]] = [
    {"month": "jan", "visits": 120, "signups": 14},
    {"month": "feb", "visits": 180, "signups": 22},
    {"month": "mar", "visits": 90, "signups": 31},
    {"month": "apr", "visits": 210, "signups": 26},
]


def stats_card() -> Card:
    return Card(
        id="stats",
        children=[
            Title(value="Visits and sign-ups"),
            Chart(
                id="traffic",
                data=CHART_ROWS,
                series=[
                    BarSeries(label="Visits", dataKey="visits", color="blue"),
                    LineSeries(label="Sign-ups", dataKey="signups", color="orange"),
                ],
                xAxis={"dataKey": "month", "labels": {"jan": "Jan", "feb": "Feb", "mar": "Mar", "apr": "Apr"}},
                showLegend=True,
                height=180,
            ),
        ],
    )


def booking_form() -> Card:
    return Card(
        id="booking",
        children=[
            Form(
                onSubmitAction=ActionConfig(type="trip.book", payload={"trip": "lake"}),
                children=[
                    Text(value="When do you travel?"),
                    DatePicker(
                        name="date",
                        placeholder="Travel date",
                        min=datetime(2026, 1, 1),
                        max=datetime(2026, 12, 31),
                        defaultValue=datetime(2026, 6, 1),
                    ),
                    Button(label="Book", submit=True),
                ],
            ),
            DatePicker(name="reminder", placeholder="Reminder", onChangeAction=ActionConfig(type="trip.remind")),
        ],
    )


class ShowcaseResponder:
    """Answers "fail" (once), "tool" and anything else with the item kinds the UI must render."""

    def __init__(self) -> None:
        self.failed = False
        #: Every widget action the server received, as (type, payload), for tests to check.
        self.actions: list[tuple[str, Any]] = []

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
        if "chart" in text:
            for widget in (stats_card(), booking_form()):
                item_id = turn.new_item_id("message")
                yield ThreadItemDoneEvent(
                    item=WidgetItem(id=item_id, thread_id=turn.thread.id, created_at=datetime.now(), widget=widget)
                )
            return
        if "echo options" in text:
            options = turn.input.inference_options
            choice = options.tool_choice.id if options and options.tool_choice else None
            yield say(turn, f"Tool choice: {choice}")
            return
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
        self.actions.append((action.type, action.payload))
        if action.type.startswith("trip."):
            payload = action.payload or {}
            yield say(turn, f"Action {action.type}: {payload.get('date') or payload.get('reminder')}")
            return
        yield say(
            turn, f"Action {action.type} for order {action.payload['order']} from {sender.id if sender else None}"
        )

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return "Showcase"
