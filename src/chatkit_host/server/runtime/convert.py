"""Between stored records and ``openai-chatkit`` wire types; the only place that knows both shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chatkit.types import (
    ActiveStatus,
    ClosedStatus,
    LockedStatus,
    Page,
    Thread,
    ThreadItem,
    ThreadMetadata,
    ThreadStatus,
)
from pydantic import TypeAdapter

from chatkit_host.server.store.records import ItemRecord, ThreadRecord

#: Built once: constructing an adapter costs milliseconds, validating with one costs microseconds.
ITEM_ADAPTER: TypeAdapter[ThreadItem] = TypeAdapter(ThreadItem)

#: Items the client never sees (the runtime stores them for the model's benefit).


def wire_time(timestamp: float) -> datetime:
    # The protocol carries naive local datetimes (chatkit-python uses datetime.now()).
    return datetime.fromtimestamp(timestamp)


def thread_status(record: ThreadRecord) -> ThreadStatus:
    if record.status == "locked":
        return LockedStatus(reason=record.status_reason)
    if record.status == "closed":
        return ClosedStatus(reason=record.status_reason)
    return ActiveStatus()


def thread_metadata(record: ThreadRecord) -> ThreadMetadata:
    return ThreadMetadata(
        id=record.id,
        title=record.title,
        created_at=wire_time(record.created_at),
        status=thread_status(record),
    )


def thread_response(meta: ThreadMetadata, items: Page[ThreadItem] | None = None) -> Thread:
    """What the client sees: server-side ``metadata`` is never sent."""
    return Thread(
        id=meta.id,
        title=meta.title,
        created_at=meta.created_at,
        status=meta.status,
        allowed_image_domains=meta.allowed_image_domains,
        items=items if items is not None else Page(),
    )


def status_fields(status: ThreadStatus) -> tuple[Any, str | None]:
    return status.type, getattr(status, "reason", None)


def item_from_record(record: ItemRecord) -> ThreadItem:
    return ITEM_ADAPTER.validate_json(record.data)


def item_record(item: ThreadItem) -> ItemRecord:
    return ItemRecord(
        id=item.id,
        thread_id=item.thread_id,
        type=item.type,
        created_at=item.created_at.timestamp(),
        data=item.model_dump_json(exclude_none=True),
    )
