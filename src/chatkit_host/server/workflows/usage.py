"""The usage row of a model call made for a turn: the workflow's run, or the thread's title."""

from __future__ import annotations

import time

from chatkit_host.server import ids
from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.records import UsageRecord
from chatkit_host.server.workflows.store import USAGE_PREFIX


def turn_usage(
    turn: Turn,
    workflow_version: str,
    *,
    requests: int,
    input_tokens: int,
    output_tokens: int,
    now: float | None = None,
) -> UsageRecord:
    """Usage counted against the turn's session, thread, user and workflow version, stamped ``now``."""
    session = turn.session
    return UsageRecord(
        id=ids.new_id(USAGE_PREFIX),
        session_id=session.id,
        thread_id=turn.thread.id,
        user=session.user,
        workflow_id=session.workflow_id,
        workflow_version=workflow_version,
        requests=requests,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        created_at=time.time() if now is None else now,
    )
