"""Feedback users gave on thread items in the chat UI (chatkit-host extension; admin only).

The same shape as the server's ``GET /v1/chatkit/feedback`` (src/chatkit_host/server/api/feedback.py answers with
this very type).
"""

from __future__ import annotations

from typing import Literal

from chatkit_host.types.common import WireModel

FeedbackKind = Literal["positive", "negative"]


class Feedback(WireModel):
    """One thumbs up or down on one item."""

    id: str
    object: Literal["chatkit.feedback"] = "chatkit.feedback"
    thread_id: str
    item_id: str
    kind: FeedbackKind
    user: str
    session_id: str
    created_at: int
