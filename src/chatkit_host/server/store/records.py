"""Plain records the store reads and writes; no SQL types leak past the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

Order = Literal["asc", "desc"]
T = TypeVar("T")

#: Stored item types no client ever sees (context kept for the model only).
HIDDEN_ITEM_TYPES = ("hidden_context_item", "sdk_hidden_context")


@dataclass(frozen=True)
class SessionRecord:
    id: str
    secret_hash: str
    user: str
    workflow_id: str
    workflow_version: str | None
    state_variables: dict[str, Any] | None
    tracing_enabled: bool
    created_at: float
    expires_at: float
    cancelled_at: float | None
    max_requests_per_1_minute: int
    titling_enabled: bool
    upload_enabled: bool
    max_file_size_mb: int
    max_files: int
    history_enabled: bool
    recent_threads: int | None

    def status(self, now: float) -> Literal["active", "expired", "cancelled"]:
        """Derived on read, so expiry needs no background job."""
        if self.cancelled_at is not None:
            return "cancelled"
        if now >= self.expires_at:
            return "expired"
        return "active"


@dataclass(frozen=True)
class ThreadRecord:
    id: str
    user: str
    session_id: str | None
    title: str | None
    status: Literal["active", "locked", "closed"]
    status_reason: str | None
    created_at: float
    updated_at: float
    workflow_id: str | None = None
    workflow_version: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ItemRecord:
    id: str
    thread_id: str
    type: str
    created_at: float
    #: The item as ``openai-chatkit`` serialises it (JSON object text).
    data: str


@dataclass(frozen=True)
class AttachmentRecord:
    id: str
    user: str
    session_id: str
    thread_id: str | None
    name: str
    mime_type: str
    declared_size: int
    size: int | None
    storage_key: str | None
    created_at: float
    #: When the upload receiving the bytes claimed the attachment; None while no upload is under way.
    upload_started_at: float | None = None


@dataclass(frozen=True)
class FeedbackRecord:
    id: str
    thread_id: str
    item_id: str
    kind: str
    user: str
    session_id: str
    created_at: float


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a keyset-paged list; ``has_more`` says whether the walk can go on past ``data``."""

    data: list[T]
    has_more: bool
