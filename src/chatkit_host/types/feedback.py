"""Feedback: the thumbs up/down users gave thread items in the chat UI (``GET /v1/chatkit/feedback``)."""

from __future__ import annotations

from typing import Literal

from chatkit_host.types.common import WireModel


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
