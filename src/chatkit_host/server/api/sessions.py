"""``/v1/chatkit/sessions``: create, cancel, list and retrieve sessions; with the session's REST shape."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from chatkit_host.server import ids
from chatkit_host.server.api.paging import ListParams, check_cursor, list_body
from chatkit_host.server.context import AppContext
from chatkit_host.server.credentials import CLIENT_SECRET_PREFIX
from chatkit_host.server.errors import NotFound
from chatkit_host.server.http.endpoints import Args, Endpoint
from chatkit_host.server.sessions.service import create_session
from chatkit_host.server.store import SessionRecord
from chatkit_host.types.common import ListPage
from chatkit_host.types.sessions import ChatSession, CreateSessionBody

#: Shown instead of the secret after creation: only its hash is stored, so it cannot be shown again.
REDACTED_SECRET = CLIENT_SECRET_PREFIX + "redacted"


def session_to_rest(record: SessionRecord, now: float, client_secret: str | None = None) -> dict[str, Any]:
    """The ``chatkit.session`` object; the secret itself appears only in the answer to create."""
    return {
        "id": record.id,
        "object": "chatkit.session",
        "expires_at": int(record.expires_at),
        "client_secret": client_secret or REDACTED_SECRET,
        "workflow": {
            "id": record.workflow_id,
            "version": record.workflow_version,
            "state_variables": record.state_variables,
            "tracing": {"enabled": record.tracing_enabled},
        },
        "user": record.user,
        "rate_limits": {"max_requests_per_1_minute": record.max_requests_per_1_minute},
        "max_requests_per_1_minute": record.max_requests_per_1_minute,
        "status": record.status(now),
        "chatkit_configuration": {
            "automatic_thread_titling": {"enabled": record.titling_enabled},
            "file_upload": {
                "enabled": record.upload_enabled,
                "max_file_size": record.max_file_size_mb,
                "max_files": record.max_files,
            },
            "history": {"enabled": record.history_enabled, "recent_threads": record.recent_threads},
        },
    }


def _not_found(session_id: str) -> NotFound:
    return NotFound(f"Chatkit Session with id '{session_id}' not found.", param="session_id")


class SessionListQuery(ListParams):
    user: Annotated[str | None, Field(min_length=1, max_length=512, description="Only this user's sessions.")] = None


async def create(context: AppContext, args: Args) -> dict[str, Any]:
    now = context.clock()
    record, secret = await create_session(context.store, context.registry, args.body, now)
    return session_to_rest(record, now, client_secret=secret)


async def cancel(context: AppContext, args: Args) -> dict[str, Any]:
    session_id = args.path["session_id"]
    now = context.clock()
    record = await context.store.cancel_session(session_id, now) if ids.is_valid(session_id, ids.SESSION) else None
    if record is None:
        raise _not_found(session_id)
    return session_to_rest(record, now)


async def list_sessions(context: AppContext, args: Args) -> dict[str, Any]:
    query = args.query
    check_cursor(query, ids.SESSION)
    page = await context.store.list_sessions(
        user=query["user"], after=query["after"], before=query["before"], limit=query["limit"], order=query["order"]
    )
    now = context.clock()
    return list_body([session_to_rest(s, now) for s in page.data], page.has_more)


async def retrieve(context: AppContext, args: Args) -> dict[str, Any]:
    session_id = args.path["session_id"]
    record = await context.store.get_session(session_id) if ids.is_valid(session_id, ids.SESSION) else None
    if record is None:
        raise _not_found(session_id)
    return session_to_rest(record, context.clock())


_PATH = "/v1/chatkit/sessions"

ENDPOINTS = [
    Endpoint("POST", _PATH, create, ChatSession, "Create a ChatKit session.", body=CreateSessionBody, fast=True),
    Endpoint("POST", _PATH + "/{session_id}/cancel", cancel, ChatSession, "Cancel a ChatKit session."),
    Endpoint(
        "GET",
        _PATH,
        list_sessions,
        ListPage[ChatSession],
        "List sessions (chatkit-host extension).",
        query=SessionListQuery,
    ),
    Endpoint("GET", _PATH + "/{session_id}", retrieve, ChatSession, "Retrieve a session (chatkit-host extension)."),
]
