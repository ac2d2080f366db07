"""``/v1/chatkit/sessions``: create and cancel sessions."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response
from starlette.types import Receive, Scope

from chatkit_host.server import ids
from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import NotFound
from chatkit_host.server.http.fast_lane import as_route, header
from chatkit_host.server.http.plumbing import (
    AdminContext,
    Paging,
    authenticate_admin,
    check_cursor,
    check_json_media_type,
    decode_json,
    json_response,
    list_body,
    parse_model,
    receive_body,
)
from chatkit_host.server.sessions.service import create_session, session_to_rest
from chatkit_host.types.common import ListPage
from chatkit_host.types.sessions import ChatSession, CreateSessionBody

router = APIRouter(prefix="/v1/chatkit/sessions", tags=["sessions"])

_CREATE_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CreateSessionBody"}}},
    }
}


async def create(context: AppContext, scope: Scope, receive: Receive) -> bytes:
    """Create a ChatKit session (a hot route: see ``api/hot.py``)."""
    authenticate_admin(context, header(scope, b"authorization"))
    check_json_media_type(header(scope, b"content-type"))
    raw = await receive_body(receive, header(scope, b"content-length"), context.settings.max_body_bytes)
    body = parse_model(CreateSessionBody, decode_json(raw))
    now = context.clock()
    record, secret = await create_session(context.store, context.registry, body, now)
    return orjson.dumps(session_to_rest(record, now, client_secret=secret))


router.add_api_route(
    "",
    as_route(create),
    methods=["POST"],
    response_model=ChatSession,
    openapi_extra=_CREATE_BODY,
    summary="Create a ChatKit session.",
)


@router.post("/{session_id}/cancel", response_model=ChatSession, summary="Cancel a ChatKit session.")
async def cancel(session_id: str, context: AdminContext) -> Response:
    now = context.clock()
    record = await context.store.cancel_session(session_id, now) if ids.is_valid(session_id, ids.SESSION) else None
    if record is None:
        raise NotFound(f"Chatkit Session with id '{session_id}' not found.", param="session_id")
    return json_response(session_to_rest(record, now))


@router.get("", response_model=ListPage[ChatSession], summary="List sessions (chatkit-host extension).")
async def list_sessions(
    context: AdminContext,
    paging: Paging,
    user: Annotated[str | None, Query(min_length=1, max_length=512, description="Only this user's sessions.")] = None,
) -> Response:
    check_cursor(paging, ids.SESSION)
    page = await context.store.list_sessions(
        user=user, after=paging.after, before=paging.before, limit=paging.limit, order=paging.order
    )
    now = context.clock()
    return json_response(list_body([session_to_rest(s, now) for s in page.data], page.has_more))


@router.get("/{session_id}", response_model=ChatSession, summary="Retrieve a session (chatkit-host extension).")
async def retrieve(session_id: str, context: AdminContext) -> Response:
    record = await context.store.get_session(session_id) if ids.is_valid(session_id, ids.SESSION) else None
    if record is None:
        raise NotFound(f"Chatkit Session with id '{session_id}' not found.", param="session_id")
    return json_response(session_to_rest(record, context.clock()))
