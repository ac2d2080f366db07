"""The ``chatkit`` namespace: one attribute per sub-resource, as in OpenAI's SDK."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chatkit_host.client.resources._ops import AsyncStreamRunner, SyncStreamRunner
from chatkit_host.client.resources.feedback import AsyncFeedbackResource, FeedbackResource
from chatkit_host.client.resources.sessions import AsyncSessions, Sessions
from chatkit_host.client.resources.threads import AsyncThreads, Threads
from chatkit_host.client.resources.traces import AsyncTraces, AsyncUsage, Traces, Usage
from chatkit_host.client.resources.workflows import AsyncWorkflows, Workflows

if TYPE_CHECKING:
    from chatkit_host.client.conversation import AsyncConversation, Conversation


class ChatKit:
    """``client.chatkit`` (also ``client.beta.chatkit``)."""

    def __init__(self, runner: SyncStreamRunner) -> None:
        self._runner = runner
        self.sessions = Sessions(runner)
        self.threads = Threads(runner)
        self.workflows = Workflows(runner)
        self.traces = Traces(runner)
        self.usage = Usage(runner)
        self.feedback = FeedbackResource(runner)

    def conversation(
        self, client_secret: str, *, thread_id: str | None = None, model: str | None = None
    ) -> Conversation:
        """Chat through the runtime as the session with ``client_secret`` (a new thread unless ``thread_id``)."""
        # Imported here: it loads openai-chatkit's protocol types, which plain REST use does not need.
        from chatkit_host.client.conversation import Conversation

        return Conversation(self._runner, client_secret, thread_id=thread_id, model=model)


class AsyncChatKit:
    """``client.chatkit`` (also ``client.beta.chatkit``) of the async client."""

    def __init__(self, runner: AsyncStreamRunner) -> None:
        self._runner = runner
        self.sessions = AsyncSessions(runner)
        self.threads = AsyncThreads(runner)
        self.workflows = AsyncWorkflows(runner)
        self.traces = AsyncTraces(runner)
        self.usage = AsyncUsage(runner)
        self.feedback = AsyncFeedbackResource(runner)

    def conversation(
        self, client_secret: str, *, thread_id: str | None = None, model: str | None = None
    ) -> AsyncConversation:
        """Chat through the runtime as the session with ``client_secret`` (a new thread unless ``thread_id``)."""
        # Imported here: it loads openai-chatkit's protocol types, which plain REST use does not need.
        from chatkit_host.client.conversation import AsyncConversation

        return AsyncConversation(self._runner, client_secret, thread_id=thread_id, model=model)
