"""What one workflow run carries through the Agents SDK, in a context variable.

Agents SDK code that we did not write (an Agent Builder export calling ``Runner.run`` itself) gives us no
parameter to pass things through, but it runs inside our task, so a context variable reaches our model
wrapper and trace processor wherever the SDK calls them from.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from agents import TResponseInputItem
    from chatkit.types import ThreadStreamEvent, WidgetItem

    from chatkit_host.server.workflows.attachment_input import AttachmentParts
    from chatkit_host.server.workflows.export_stream import LiveReply
    from chatkit_host.server.workflows.tracing import RunRecorder


@dataclass
class ClientToolRequest:
    """A client tool the model called; the engine turns it into a pending ``client_tool_call`` item."""

    call_id: str | None
    name: str
    arguments: dict[str, Any]


@dataclass
class RunScope:
    """Per-run values read by the model wrapper, tools and the trace processor."""

    #: The session's state variables merged over the declared defaults (what templates see).
    state: dict[str, Any] = field(default_factory=dict)
    #: The same values as a typed object (``ctx.context.state`` in tools of our own definitions).
    state_object: Any = None
    #: Collects spans when the session's tracing is on; None records nothing.
    recorder: RunRecorder | None = None
    #: Earlier turns of the thread, prepended to model input by code that only passes the latest message.
    history_prefix: list[TResponseInputItem] = field(default_factory=list)
    #: The latest user message's attachments as content parts, added to an export's own input (which carries
    #: only the message's text, ``input_as_text``).
    latest_parts: list[Any] = field(default_factory=list)
    #: The turn's attachments as planned for model input (``attachment_input.py``); None without storage.
    attachment_parts: AttachmentParts | None = None
    #: A model picked through ``inference_options.model`` (already checked against the allowed list).
    model_override: str | None = None
    #: Token usage of every model call in the run, recorded even when tracing is off.
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    #: ChatKit events produced by tools (widgets, progress), flushed into the stream by the engine.
    pending_events: deque[ThreadStreamEvent] = field(default_factory=deque)
    client_tool: ClientToolRequest | None = None
    #: Makes a widget item with a runtime-minted id (None outside a thread turn).
    new_widget_item: Callable[[Any, str | None], WidgetItem] | None = None
    #: Set while an Agent Builder export runs: its model calls stream into it (``export_stream.py``).
    live: LiveReply | None = None

    def add_usage(self, input_tokens: int, output_tokens: int) -> None:
        self.requests += 1
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens

    def drain_events(self) -> Iterator[ThreadStreamEvent]:
        """Tool-produced events in the order tools queued them, each handed out once."""
        while self.pending_events:
            yield self.pending_events.popleft()


CURRENT_RUN: ContextVar[RunScope | None] = ContextVar("chatkit_host_workflow_run", default=None)


def current_run() -> RunScope | None:
    return CURRENT_RUN.get()
