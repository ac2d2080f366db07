"""Thread titles from the workflow's first model, for ``Responder.title`` (the runtime asks after a first reply).

Split from the engine (``engine.py``) because titling shares nothing with running a turn but the registry and
the usage writer: it is one plain ``Runner.run`` of a throwaway agent, bounded in time.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Any

from agents import Agent, RunConfig, Runner

from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.registry import WorkflowRegistry
from chatkit_host.server.workflows.usage import turn_usage
from chatkit_host.server.workflows.writer import RunWriter

TITLE_INSTRUCTIONS = (
    "Write a title of at most six words for the conversation you are given. Answer with the title only, "
    "without quotes or a final period."
)
#: Seconds a title may take; the runtime falls back to its own title when it raises.
TITLE_TIMEOUT = 15.0
#: Characters of each side of the exchange the title model reads.
EXCHANGE_CHARS = 2000
TITLE_CHARS = 100
#: The title of a thread whose first message an input guardrail refused: the message itself must not become
#: the thread's name in every list (it may be what the guardrail keeps out: a secret, an insult). It is the
#: chat UI's own word for an untitled thread. The runtime titles a thread once, so it stays; leaving the thread
#: untitled until a message passes would need the runtime to accept "no title yet" (``runtime/stream.py``).
REFUSED_TITLE = "New conversation"
#: Threads remembered between a refused turn and its title request (the runtime asks right after the turn, in
#: the same process); bounded, because a session without titling never asks.
_REFUSED_REMEMBERED = 1024


class Titler:
    def __init__(self, registry: WorkflowRegistry, writer: RunWriter) -> None:
        self.registry = registry
        self.writer = writer
        self._refused: OrderedDict[str, None] = OrderedDict()

    def refused(self, thread_id: str) -> None:
        """The latest turn of ``thread_id`` was refused by an input guardrail: its message names no title."""
        self._refused[thread_id] = None
        self._refused.move_to_end(thread_id)
        while len(self._refused) > _REFUSED_REMEMBERED:
            self._refused.popitem(last=False)

    def forget(self, thread_id: str) -> None:
        """A new turn of ``thread_id`` starts: only its own outcome counts."""
        self._refused.pop(thread_id, None)

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        """A title from the workflow's first model; None (the runtime's fallback) without a provider."""
        if turn.thread.id in self._refused:
            del self._refused[turn.thread.id]
            return REFUSED_TITLE
        router = self.registry.router
        if router is None or router.offline:
            return None
        session = turn.session
        version, compiled = await self.registry.load(session.workflow_id, session.workflow_version)
        model = router.resolve(compiled.models[0] if compiled.models else None)
        agent: Agent[Any] = Agent(name="Titler", instructions=TITLE_INSTRUCTIONS, model=model)
        exchange = f"User: {user_text[:EXCHANGE_CHARS]}\n\nAssistant: {reply_text[:EXCHANGE_CHARS]}"
        result = await asyncio.wait_for(
            Runner.run(agent, exchange, run_config=RunConfig(tracing_disabled=True)), TITLE_TIMEOUT
        )
        # The title call spends tokens like any model call of the session: it counts in its usage (no spans:
        # it is not part of the workflow's run).
        spent = result.context_wrapper.usage
        usage = turn_usage(
            turn,
            version,
            requests=spent.requests,
            input_tokens=spent.input_tokens,
            output_tokens=spent.output_tokens,
        )
        self.writer.submit(None, [], usage)
        lines = str(result.final_output).strip().splitlines()
        title = lines[0].strip().strip('"').strip() if lines else ""
        return title[:TITLE_CHARS] or None
