"""``client.chatkit.threads``: list, retrieve and delete threads, and list their items."""

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
from chatkit_host.types.threads import ChatKitThread, ThreadDeleted, ThreadItem

_PATH = "/v1/chatkit/threads"


def retrieve(thread_id: str) -> Call[ChatKitThread]:
    """A thread by id."""
    return Call("GET", f"{_PATH}/{segment(thread_id)}", ChatKitThread.model_validate)


def list_(
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    order: Order | None = None,
    user: str | None = None,
) -> Call[ListPage[ChatKitThread]]:
    """Threads, newest first unless ``order="asc"``; ``user`` keeps one user's threads."""
    params = list_params(after=after, before=before, limit=limit, order=order) | {"user": user}
    return Call("GET", _PATH, ListPage[ChatKitThread].model_validate, params=params)


def delete(thread_id: str) -> Call[ThreadDeleted]:
    """Delete a thread with its items and attachments."""
    return Call("DELETE", f"{_PATH}/{segment(thread_id)}", ThreadDeleted.model_validate)


def list_items(
    thread_id: str,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    order: Order | None = None,
) -> Call[ListPage[ThreadItem]]:
    """A thread's items (messages, widgets, tool calls, tasks), newest first unless ``order="asc"``."""
    params = list_params(after=after, before=before, limit=limit, order=order)
    return Call("GET", f"{_PATH}/{segment(thread_id)}/items", ListPage[ThreadItem].model_validate, params=params)


class Threads(SyncResource):
    retrieve = sync_op(retrieve)
    list = sync_list(list_)
    delete = sync_op(delete)
    list_items = sync_list(list_items)


class AsyncThreads(AsyncResource):
    retrieve = async_op(retrieve)
    list = async_list(list_)
    delete = async_op(delete)
    list_items = async_list(list_items)
