"""``client.chatkit.traces`` (workflow runs with their spans) and ``client.chatkit.usage`` (chatkit-host only)."""

from __future__ import annotations

from chatkit_host.client._base import Call
from chatkit_host.client.resources._ops import (
    AsyncResource,
    SyncResource,
    async_list,
    async_op,
    sync_list,
    sync_op,
)
from chatkit_host.client.resources._params import Order, list_params, segment
from chatkit_host.types.common import ListPage
from chatkit_host.types.traces import Trace, UsageGroup, UsageSummary


def retrieve(trace_id: str) -> Call[Trace]:
    """One run with its spans (agents, model calls with tokens and latency, tools, handoffs, guardrails)."""
    return Call("GET", f"/v1/chatkit/traces/{segment(trace_id)}", Trace.model_validate)


def list_(
    *,
    thread_id: str | None = None,
    session_id: str | None = None,
    workflow_id: str | None = None,
    workflow_version: str | None = None,
    user: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    order: Order | None = None,
) -> Call[ListPage[Trace]]:
    """Runs, newest first, without their spans; filter by thread, session, workflow (version) or user."""
    params = list_params(after=after, before=before, limit=limit, order=order) | {
        "thread_id": thread_id,
        "session_id": session_id,
        "workflow_id": workflow_id,
        "workflow_version": workflow_version,
        "user": user,
    }
    return Call("GET", "/v1/chatkit/traces", ListPage[Trace].model_validate, params=params)


def usage(
    *,
    group_by: UsageGroup,
    session_id: str | None = None,
    thread_id: str | None = None,
    user: str | None = None,
    workflow_id: str | None = None,
    limit: int | None = None,
) -> Call[UsageSummary]:
    """Token usage summed per session, thread, user or workflow version."""
    params = {
        "group_by": group_by,
        "session_id": session_id,
        "thread_id": thread_id,
        "user": user,
        "workflow_id": workflow_id,
        "limit": limit,
    }
    return Call("GET", "/v1/chatkit/usage", UsageSummary.model_validate, params=params)


class Traces(SyncResource):
    retrieve = sync_op(retrieve)
    list = sync_list(list_)


class AsyncTraces(AsyncResource):
    retrieve = async_op(retrieve)
    list = async_list(list_)


class Usage(SyncResource):
    retrieve = sync_op(usage)


class AsyncUsage(AsyncResource):
    retrieve = async_op(usage)
