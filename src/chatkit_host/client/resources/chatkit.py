"""The ``chatkit`` namespace: one attribute per sub-resource, as in OpenAI's SDK."""

from __future__ import annotations

from chatkit_host.client.resources._ops import AsyncRunner, SyncRunner
from chatkit_host.client.resources.sessions import AsyncSessions, Sessions
from chatkit_host.client.resources.threads import AsyncThreads, Threads


class ChatKit:
    """``client.chatkit`` (also ``client.beta.chatkit``)."""

    def __init__(self, runner: SyncRunner) -> None:
        self.sessions = Sessions(runner)
        self.threads = Threads(runner)


class AsyncChatKit:
    """``client.chatkit`` (also ``client.beta.chatkit``) of the async client."""

    def __init__(self, runner: AsyncRunner) -> None:
        self.sessions = AsyncSessions(runner)
        self.threads = AsyncThreads(runner)
