"""``client.chatkit.feedback``: the thumbs up/down users gave in the chat UI (chatkit-host only, admin key)."""

from __future__ import annotations

from chatkit_host.client._base import Call
from chatkit_host.client.resources._ops import AsyncResource, SyncResource, async_list, sync_list
from chatkit_host.client.resources._params import Order, list_params
from chatkit_host.types.common import ListPage
from chatkit_host.types.feedback import Feedback


def list_(
    *,
    thread_id: str | None = None,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    order: Order | None = None,
) -> Call[ListPage[Feedback]]:
    """Feedback, newest first; only one thread's with ``thread_id``."""
    params = list_params(after=after, before=before, limit=limit, order=order) | {"thread_id": thread_id}
    return Call("GET", "/v1/chatkit/feedback", ListPage[Feedback].model_validate, params=params)


class FeedbackResource(SyncResource):
    list = sync_list(list_)


class AsyncFeedbackResource(AsyncResource):
    list = async_list(list_)
