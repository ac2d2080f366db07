"""``/v1/chatkit/threads``: list, retrieve and delete threads, and list their items."""

from __future__ import annotations

import logging
from typing import Annotated

import orjson
from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import Field
from starlette.types import Receive, Scope

from chatkit_host.server import ids
from chatkit_host.server.api.projection import HIDDEN_FROM_REST, item_to_rest, thread_columns_to_rest, thread_to_rest
from chatkit_host.server.attachments.storage import delete_thread_with_files
from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import NotFound
from chatkit_host.server.http.fast_lane import as_route, header
from chatkit_host.server.http.plumbing import (
    AdminContext,
    ListParams,
    Paging,
    authenticate_admin,
    check_cursor,
    check_cursors,
    json_response,
    list_body,
    query_parameters,
    query_values,
)
from chatkit_host.types.common import ListPage
from chatkit_host.types.threads import ChatKitThread, ThreadDeleted, ThreadItem

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/v1/chatkit/threads", tags=["threads"])


def _not_found(thread_id: str) -> NotFound:
    return NotFound(f"Thread with id '{thread_id}' not found.", param="thread_id")


class ThreadListQuery(ListParams):
    user: Annotated[str | None, Field(min_length=1, max_length=512, description="Only this user's threads.")] = None


async def list_threads(context: AppContext, scope: Scope, _receive: Receive) -> bytes:
    """List ChatKit threads (a hot route: see ``api/hot.py``)."""
    authenticate_admin(context, header(scope, b"authorization"))
    query = query_values(ThreadListQuery, scope["query_string"])
    check_cursors(query["after"], query["before"], ids.THREAD)
    page = await context.store.list_threads_as(
        thread_columns_to_rest,
        user=query["user"],
        after=query["after"],
        before=query["before"],
        limit=query["limit"],
        order=query["order"],
    )
    return orjson.dumps(list_body(page.data, page.has_more))


router.add_api_route(
    "",
    as_route(list_threads),
    methods=["GET"],
    response_model=ListPage[ChatKitThread],
    summary="List ChatKit threads.",
    openapi_extra=query_parameters(ThreadListQuery),
)


@router.get("/{thread_id}", response_model=ChatKitThread, summary="Retrieve a ChatKit thread.")
async def retrieve(thread_id: str, context: AdminContext) -> Response:
    thread = await context.store.get_thread(thread_id) if ids.is_valid(thread_id, ids.THREAD) else None
    if thread is None:
        raise _not_found(thread_id)
    return json_response(thread_to_rest(thread))


@router.delete("/{thread_id}", response_model=ThreadDeleted, summary="Delete a thread with its items and files.")
async def delete(thread_id: str, context: AdminContext) -> Response:
    known = ids.is_valid(thread_id, ids.THREAD)
    if not known or not await delete_thread_with_files(context.store, context.files, thread_id):
        raise _not_found(thread_id)
    return json_response({"id": thread_id, "object": "chatkit.thread.deleted", "deleted": True})


@router.get("/{thread_id}/items", response_model=ListPage[ThreadItem], summary="List a thread's items.")
async def list_items(thread_id: str, context: AdminContext, paging: Paging) -> Response:
    check_cursor(paging, ids.ITEM)
    thread = await context.store.get_thread(thread_id) if ids.is_valid(thread_id, ids.THREAD) else None
    if thread is None:
        raise _not_found(thread_id)
    page = await context.store.list_items(
        thread_id,
        after=paging.after,
        before=paging.before,
        limit=paging.limit,
        order=paging.order,
        exclude_types=HIDDEN_FROM_REST,
    )
    return json_response(list_body([item_to_rest(i) for i in page.data], page.has_more))
