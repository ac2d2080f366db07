"""Agents SDK stream events -> ChatKit thread stream events, with runtime-minted item ids.

``chatkit.agents.stream_agent_response`` reuses the model's item ids and needs a ChatKit store; our runtime
owns persistence and pages items on time-sortable ids, so this mapper mints every id through the turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from agents import StreamEvent
from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    CustomTask,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemUpdatedEvent,
    ThreadStreamEvent,
    Workflow,
    WorkflowItem,
    WorkflowTaskAdded,
    WorkflowTaskUpdated,
)


class EventMapper:
    """Stateful: tracks the message being streamed and the progress workflow of the current reply."""

    def __init__(self, thread_id: str, new_item_id: Callable[[str], str], client_tools: frozenset[str]) -> None:
        self.thread_id = thread_id
        self.new_item_id = new_item_id
        self.client_tools = client_tools
        self.message_id: str | None = None
        self.workflow: WorkflowItem | None = None
        #: Ids of items this run completed, removed again if a guardrail trips afterwards.
        self.produced: list[str] = []
        self.last_text = ""
        #: (item id, text) of every assistant message completed, in order.
        self.messages: list[tuple[str, str]] = []

    def map(self, event: StreamEvent) -> Iterator[ThreadStreamEvent]:
        if event.type == "raw_response_event":
            yield from self.map_model_event(event.data)
        elif event.type == "run_item_stream_event":
            yield from self._run_item(event.item)

    def map_model_event(self, data: Any) -> Iterator[ThreadStreamEvent]:
        """One of the model's Responses-format stream events (what the Runner wraps as ``raw_response_event``)."""
        kind = data.type
        if kind == "response.output_item.added" and data.item.type == "message":
            yield from self.close_workflow()
            self.message_id = self.new_item_id("message")
            yield ThreadItemAddedEvent(
                item=AssistantMessageItem(
                    id=self.message_id, thread_id=self.thread_id, created_at=datetime.now(), content=[]
                )
            )
        elif self.message_id is None:
            return
        elif kind == "response.content_part.added" and data.part.type == "output_text":
            yield ThreadItemUpdatedEvent(
                item_id=self.message_id,
                update=AssistantMessageContentPartAdded(
                    content_index=data.content_index, content=AssistantMessageContent(text="")
                ),
            )
        elif kind == "response.output_text.delta":
            yield ThreadItemUpdatedEvent(
                item_id=self.message_id,
                update=AssistantMessageContentPartTextDelta(content_index=data.content_index, delta=data.delta),
            )
        elif kind == "response.output_text.done":
            yield ThreadItemUpdatedEvent(
                item_id=self.message_id,
                update=AssistantMessageContentPartDone(
                    content_index=data.content_index, content=AssistantMessageContent(text=data.text)
                ),
            )
        elif kind == "response.output_item.done" and data.item.type == "message":
            texts = [c.text for c in data.item.content if c.type == "output_text"]
            self.last_text = "".join(texts)
            self.messages.append((self.message_id, self.last_text))
            yield ThreadItemDoneEvent(
                item=AssistantMessageItem(
                    id=self.message_id,
                    thread_id=self.thread_id,
                    created_at=datetime.now(),
                    content=[AssistantMessageContent(text=t) for t in texts],
                )
            )
            self.produced.append(self.message_id)
            self.message_id = None

    def _run_item(self, item: Any) -> Iterator[ThreadStreamEvent]:
        if item.type == "tool_call_item":
            name = getattr(item.raw_item, "name", None) or "tool"
            if name not in self.client_tools:
                yield from self.add_task(CustomTask(title=f"Calling {name}", status_indicator="loading"))
        elif item.type == "tool_call_output_item" and self.workflow is not None:
            tasks = self.workflow.workflow.tasks
            for index, task in enumerate(tasks):
                if task.status_indicator == "loading":
                    done = task.model_copy(update={"status_indicator": "complete"})
                    tasks[index] = done
                    yield ThreadItemUpdatedEvent(
                        item_id=self.workflow.id, update=WorkflowTaskUpdated(task=done, task_index=index)
                    )
                    break
        elif item.type == "handoff_output_item":
            target = getattr(item.target_agent, "name", "another agent")
            yield from self.add_task(CustomTask(title=f"Handed off to {target}", status_indicator="complete"))

    def add_task(self, task: CustomTask) -> Iterator[ThreadStreamEvent]:
        if self.workflow is None:
            self.workflow = WorkflowItem(
                id=self.new_item_id("workflow"),
                thread_id=self.thread_id,
                created_at=datetime.now(),
                workflow=Workflow(type="custom", tasks=[task]),
            )
            yield ThreadItemAddedEvent(item=self.workflow)
            return
        self.workflow.workflow.tasks.append(task)
        yield ThreadItemUpdatedEvent(
            item_id=self.workflow.id,
            update=WorkflowTaskAdded(task=task, task_index=len(self.workflow.workflow.tasks) - 1),
        )

    def complete_task(self, title: str) -> Iterator[ThreadStreamEvent]:
        """Mark the latest loading task with this title complete (no-op once its workflow was closed)."""
        if self.workflow is None:
            return
        tasks = self.workflow.workflow.tasks
        for index in range(len(tasks) - 1, -1, -1):
            task = tasks[index]
            if isinstance(task, CustomTask) and task.title == title and task.status_indicator == "loading":
                tasks[index] = task.model_copy(update={"status_indicator": "complete"})
                yield ThreadItemUpdatedEvent(
                    item_id=self.workflow.id, update=WorkflowTaskUpdated(task=tasks[index], task_index=index)
                )
                return

    def close_workflow(self) -> Iterator[ThreadStreamEvent]:
        if self.workflow is None:
            return
        workflow, self.workflow = self.workflow, None
        workflow.workflow.expanded = False
        # The reply has moved on (a message starts, or the run ended): nothing in this item is still running.
        tasks = workflow.workflow.tasks
        for index, task in enumerate(tasks):
            if task.status_indicator == "loading":
                tasks[index] = task.model_copy(update={"status_indicator": "complete"})
        yield ThreadItemDoneEvent(item=workflow)
        self.produced.append(workflow.id)
