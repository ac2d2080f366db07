"""ChatKit threads and thread items as the REST API shows them (spec: ThreadResource, ThreadItem)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chatkit_host.types.common import WireModel


class StatusActive(WireModel):
    type: Literal["active"] = "active"


class StatusLocked(WireModel):
    type: Literal["locked"] = "locked"
    reason: str | None = None


class StatusClosed(WireModel):
    type: Literal["closed"] = "closed"
    reason: str | None = None


ThreadStatus = Annotated[StatusActive | StatusLocked | StatusClosed, Field(discriminator="type")]


class ChatKitThread(WireModel):
    """The ``chatkit.thread`` object."""

    id: str
    object: Literal["chatkit.thread"] = "chatkit.thread"
    created_at: int
    title: str | None = None
    status: ThreadStatus
    user: str


class ThreadDeleted(WireModel):
    id: str
    object: Literal["chatkit.thread.deleted"] = "chatkit.thread.deleted"
    deleted: bool = True


class ChatKitAttachment(WireModel):
    type: Literal["image", "file"]
    id: str
    name: str
    mime_type: str
    preview_url: str | None = None


class UserMessageInputText(WireModel):
    type: Literal["input_text"] = "input_text"
    text: str


class UserMessageQuotedText(WireModel):
    type: Literal["quoted_text"] = "quoted_text"
    text: str


UserMessageContent = Annotated[UserMessageInputText | UserMessageQuotedText, Field(discriminator="type")]


class ToolChoice(WireModel):
    id: str


class InferenceOptions(WireModel):
    tool_choice: ToolChoice | None = None
    model: str | None = None


class UrlAnnotationSource(WireModel):
    type: Literal["url"] = "url"
    url: str


class FileAnnotationSource(WireModel):
    type: Literal["file"] = "file"
    filename: str


class UrlAnnotation(WireModel):
    type: Literal["url"] = "url"
    source: UrlAnnotationSource


class FileAnnotation(WireModel):
    type: Literal["file"] = "file"
    source: FileAnnotationSource


Annotation = Annotated[UrlAnnotation | FileAnnotation, Field(discriminator="type")]


class ResponseOutputText(WireModel):
    type: Literal["output_text"] = "output_text"
    text: str
    annotations: list[Annotation] = Field(default_factory=list)


class _ItemBase(WireModel):
    id: str
    object: Literal["chatkit.thread_item"] = "chatkit.thread_item"
    created_at: int
    thread_id: str


class UserMessageItem(_ItemBase):
    type: Literal["chatkit.user_message"] = "chatkit.user_message"
    content: list[UserMessageContent]
    attachments: list[ChatKitAttachment] = Field(default_factory=list)
    inference_options: InferenceOptions | None = None


class AssistantMessageItem(_ItemBase):
    type: Literal["chatkit.assistant_message"] = "chatkit.assistant_message"
    content: list[ResponseOutputText]


class WidgetItem(_ItemBase):
    type: Literal["chatkit.widget"] = "chatkit.widget"
    #: The widget tree serialised as a JSON string, as the spec says.
    widget: str


class ClientToolCallItem(_ItemBase):
    type: Literal["chatkit.client_tool_call"] = "chatkit.client_tool_call"
    status: Literal["in_progress", "completed"]
    call_id: str
    name: str
    arguments: str
    output: str | None = None


class TaskItem(_ItemBase):
    type: Literal["chatkit.task"] = "chatkit.task"
    task_type: Literal["custom", "thought"]
    heading: str | None = None
    summary: str | None = None


class TaskGroupTask(WireModel):
    type: Literal["custom", "thought"]
    heading: str | None = None
    summary: str | None = None


class TaskGroupItem(_ItemBase):
    type: Literal["chatkit.task_group"] = "chatkit.task_group"
    tasks: list[TaskGroupTask]


ThreadItem = Annotated[
    UserMessageItem | AssistantMessageItem | WidgetItem | ClientToolCallItem | TaskItem | TaskGroupItem,
    Field(discriminator="type"),
]
