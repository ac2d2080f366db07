"""``GET /v1/chatkit/feedback``: the thumbs up/down users gave in the chat UI, for the admin console."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from chatkit_host.server import ids
from chatkit_host.server.api.paging import ListParams, check_cursor, list_body
from chatkit_host.server.context import AppContext
from chatkit_host.server.http.endpoints import Args, Endpoint
from chatkit_host.server.store import FeedbackRecord
from chatkit_host.types.common import ListPage
from chatkit_host.types.feedback import Feedback


def feedback_to_rest(record: FeedbackRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "object": "chatkit.feedback",
        "thread_id": record.thread_id,
        "item_id": record.item_id,
        "kind": record.kind,
        "user": record.user,
        "session_id": record.session_id,
        "created_at": int(record.created_at),
    }


class FeedbackListQuery(ListParams):
    thread_id: Annotated[str | None, Field(description="Only feedback on this thread.")] = None


async def list_feedback(context: AppContext, args: Args) -> dict[str, Any]:
    query = args.query
    check_cursor(query, ids.FEEDBACK)
    page = await context.store.list_feedback(
        thread_id=query["thread_id"],
        after=query["after"],
        before=query["before"],
        limit=query["limit"],
        order=query["order"],
    )
    return list_body([feedback_to_rest(r) for r in page.data], page.has_more)


ENDPOINTS = [
    Endpoint(
        "GET",
        "/v1/chatkit/feedback",
        list_feedback,
        ListPage[Feedback],
        "List feedback on thread items (admin key).",
        query=FeedbackListQuery,
    ),
]
