"""``client.chatkit.sessions``: create and cancel ChatKit sessions (plus chatkit-host's list and retrieve)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chatkit_host.client._base import Call
from chatkit_host.client.resources._ops import (
    AsyncResource,
    SyncResource,
    async_list,
    async_op,
    sync_list,
    sync_op,
)
from chatkit_host.client.resources._params import Order, body_value, list_params, segment
from chatkit_host.types.common import ListPage
from chatkit_host.types.sessions import (
    ChatKitConfigurationParam,
    ChatSession,
    ExpiresAfterParam,
    RateLimitsParam,
    WorkflowParam,
)

_PATH = "/v1/chatkit/sessions"


def create(
    *,
    user: str,
    workflow: WorkflowParam | Mapping[str, Any],
    chatkit_configuration: ChatKitConfigurationParam | Mapping[str, Any] | None = None,
    expires_after: ExpiresAfterParam | Mapping[str, Any] | None = None,
    rate_limits: RateLimitsParam | Mapping[str, Any] | None = None,
) -> Call[ChatSession]:
    """Create a session for ``user`` on ``workflow`` (e.g. ``{"id": "default"}``); it holds the client secret."""
    body: dict[str, Any] = {"user": user, "workflow": body_value(workflow)}
    optional = {
        "chatkit_configuration": chatkit_configuration,
        "expires_after": expires_after,
        "rate_limits": rate_limits,
    }
    body.update({name: body_value(value) for name, value in optional.items() if value is not None})
    return Call("POST", _PATH, ChatSession.model_validate, json=body)


def cancel(session_id: str) -> Call[ChatSession]:
    """Cancel a session; its client secret stops working. Cancelling twice is harmless."""
    return Call("POST", f"{_PATH}/{segment(session_id)}/cancel", ChatSession.model_validate)


def retrieve(session_id: str) -> Call[ChatSession]:
    """A session by id (chatkit-host only; the client secret is not shown again)."""
    return Call("GET", f"{_PATH}/{segment(session_id)}", ChatSession.model_validate)


def list_(
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    order: Order | None = None,
    user: str | None = None,
) -> Call[ListPage[ChatSession]]:
    """Sessions, newest first unless ``order="asc"`` (chatkit-host only)."""
    params = list_params(after=after, before=before, limit=limit, order=order) | {"user": user}
    return Call("GET", _PATH, ListPage[ChatSession].model_validate, params=params)


class Sessions(SyncResource):
    create = sync_op(create)
    cancel = sync_op(cancel)
    retrieve = sync_op(retrieve)
    list = sync_list(list_)


class AsyncSessions(AsyncResource):
    create = async_op(create)
    cancel = async_op(cancel)
    retrieve = async_op(retrieve)
    list = async_list(list_)
