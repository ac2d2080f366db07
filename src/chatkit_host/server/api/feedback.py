"""``GET /v1/chatkit/feedback``: the thumbs up/down users gave in the chat UI, for the admin console."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from chatkit_host.server import ids
from chatkit_host.server.http.plumbing import AdminContext, Paging, check_cursor, json_response, list_body
from chatkit_host.server.store import FeedbackRecord
from chatkit_host.types.common import WireModel

router = APIRouter(prefix="/v1/chatkit/feedback", tags=["feedback"])


class Feedback(WireModel):
    """One ``items.feedback`` entry for one item."""

    id: str
    object: Literal["chatkit.feedback"] = "chatkit.feedback"
    thread_id: str
    item_id: str
    kind: Literal["positive", "negative"]
    user: str
    session_id: str
    created_at: int


class FeedbackList(WireModel):
    object: Literal["list"] = "list"
    data: list[Feedback]
    first_id: str | None
    last_id: str | None
    has_more: bool


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


@router.get("", response_model=FeedbackList, summary="List feedback on thread items (admin key).")
async def list_feedback(
    context: AdminContext,
    paging: Paging,
    thread_id: Annotated[str | None, Query(description="Only feedback on this thread.")] = None,
) -> Response:
    check_cursor(paging, ids.FEEDBACK)
    page = await context.store.list_feedback(
        thread_id=thread_id, after=paging.after, before=paging.before, limit=paging.limit, order=paging.order
    )
    return json_response(list_body([feedback_to_rest(r) for r in page.data], page.has_more))
