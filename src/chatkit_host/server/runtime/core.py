"""The protocol core: ``process(body, call)`` -> a stream of SSE bytes or a JSON answer.

Transport-agnostic: ``routes.py`` only wraps the result. Requests are parsed with one ``TypeAdapter`` built at
import, dispatch is an exhaustive ``match``, and everything that can fail before a stream starts fails here,
as an ``APIError`` the route renders as a 4xx JSON error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import assert_never

from chatkit.types import (
    AttachmentsCreateReq,
    AttachmentsDeleteReq,
    ChatKitReq,
    ClientToolCallItem,
    FeedbackKind,
    InputTranscribeReq,
    ItemsFeedbackReq,
    ItemsListReq,
    Page,
    StructuredInputItem,
    Thread,
    ThreadCreatedEvent,
    ThreadItem,
    ThreadItemDoneEvent,
    ThreadItemReplacedEvent,
    ThreadsAddClientToolOutputReq,
    ThreadsAddStructuredInputReq,
    ThreadsAddUserMessageReq,
    ThreadsCreateReq,
    ThreadsCustomActionReq,
    ThreadsDeleteReq,
    ThreadsGetByIdReq,
    ThreadsListReq,
    ThreadsRetryAfterItemReq,
    ThreadsSyncCustomActionReq,
    ThreadStreamEvent,
    ThreadsUpdateReq,
    UserMessageInput,
    UserMessageItem,
    WidgetItem,
)
from pydantic import TypeAdapter, ValidationError

from chatkit_host.server import ids
from chatkit_host.server.attachments.storage import delete_thread_with_files
from chatkit_host.server.errors import BadRequest, ThreadInputRefused
from chatkit_host.server.http.inputs import validation_to_bad_request
from chatkit_host.server.runtime import attachments
from chatkit_host.server.runtime.call import Call
from chatkit_host.server.runtime.convert import (
    item_from_record,
    item_record,
    thread_metadata,
    thread_response,
)
from chatkit_host.server.runtime.sse import to_json
from chatkit_host.server.runtime.stream import TurnStream
from chatkit_host.server.runtime.structured import apply_submission
from chatkit_host.server.runtime.transcribe import transcribe
from chatkit_host.server.runtime.visibility import item_not_found, list_threads, load_thread
from chatkit_host.server.store import AttachmentRecord, FeedbackRecord, ItemRecord, ThreadRecord
from chatkit_host.server.store.records import HIDDEN_ITEM_TYPES
from chatkit_host.server.turn import Turn

#: Built once per process; chatkit-python builds one per request, which costs ~3 ms each time.
REQUEST_ADAPTER: TypeAdapter[ChatKitReq] = TypeAdapter(ChatKitReq)

DEFAULT_PAGE = 20
MAX_PAGE = 100
#: How far back ``threads.add_client_tool_output`` looks for the pending call (the reference looks at 1).
TOOL_CALL_LOOKBACK = 20
EMPTY = b"{}"


@dataclass
class JSONResult:
    body: bytes


@dataclass
class StreamingResult:
    stream: TurnStream

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.stream.frames()


def parse(body: bytes) -> ChatKitReq:
    if not body.strip():
        raise BadRequest("The request body is empty; expected a JSON object {type, params}.", code="invalid_json")
    try:
        return REQUEST_ADAPTER.validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            raise BadRequest("The request body is not valid JSON.", code="invalid_json") from exc
        if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
            raise BadRequest(
                "Unknown or missing request 'type'. See the ChatKit protocol for the 16 request types.",
                param="type",
                code="unknown_request_type",
            ) from exc
        if first["type"] == "model_attributes_type":
            raise BadRequest("The request body must be a JSON object {type, params}.", code="invalid_value") from exc
        raise validation_to_bad_request(exc) from exc


async def process(body: bytes, call: Call) -> StreamingResult | JSONResult:
    request = parse(body)
    call.metadata = request.metadata
    match request:
        case ThreadsCreateReq():
            return StreamingResult(await _create_thread(call, request.params.input))
        case ThreadsAddUserMessageReq():
            return StreamingResult(await _add_message(call, request.params.thread_id, request.params.input))
        case ThreadsAddClientToolOutputReq():
            return StreamingResult(await _tool_output(call, request))
        case ThreadsAddStructuredInputReq():
            return StreamingResult(await _structured_input(call, request))
        case ThreadsRetryAfterItemReq():
            return StreamingResult(await _retry(call, request))
        case ThreadsCustomActionReq():
            return StreamingResult(await _custom_action(call, request))
        case ThreadsGetByIdReq():
            return JSONResult(await _get_thread(call, request.params.thread_id))
        case ThreadsListReq():
            p = request.params
            return JSONResult(await _list_threads(call, p.limit, p.order, p.after))
        case ThreadsUpdateReq():
            return JSONResult(await _update_thread(call, request.params.thread_id, request.params.title))
        case ThreadsDeleteReq():
            return JSONResult(await _delete_thread(call, request.params.thread_id))
        case ItemsListReq():
            p2 = request.params
            return JSONResult(await _list_items(call, p2.thread_id, p2.limit, p2.order, p2.after))
        case ItemsFeedbackReq():
            p3 = request.params
            return JSONResult(await _feedback(call, p3.thread_id, p3.item_ids, p3.kind))
        case AttachmentsCreateReq():
            return JSONResult(to_json(await attachments.create(call, request.params)))
        case AttachmentsDeleteReq():
            await attachments.delete(call, request.params.attachment_id)
            return JSONResult(EMPTY)
        case InputTranscribeReq():
            return JSONResult(to_json(await transcribe(call, request.params)))
        case ThreadsSyncCustomActionReq():
            record = await load_thread(call.context.store, call.session, request.params.thread_id)
            await _sender(call, record, request.params.item_id)
            # No responder handles synchronous actions yet: nothing is updated, which the protocol allows.
            return JSONResult(EMPTY)
        case _:
            assert_never(request)


# -- streaming requests ---------------------------------------------------------------------------------


def _require_open(record: ThreadRecord) -> None:
    if record.status != "active":
        reason = f" ({record.status_reason})" if record.status_reason else ""
        raise ThreadInputRefused(
            f"Thread '{record.id}' is {record.status}{reason} and takes no new input.",
            param="thread_id",
            code=f"thread_{record.status}",
        )


def _respond(call: Call) -> Callable[[Turn], AsyncIterator[ThreadStreamEvent]]:
    responder = call.context.responder
    return lambda turn: responder.respond(turn)


class _Cell:
    """The user item a prelude builds, read by the stream once the prelude ran."""

    def __init__(self, item: UserMessageItem | None = None) -> None:
        self.item = item

    def __call__(self) -> UserMessageItem | None:
        return self.item


def _message_prelude(
    call: Call,
    record: ThreadRecord,
    message: UserMessageInput,
    files: list[AttachmentRecord],
    cell: _Cell,
    *,
    new: bool,
) -> Callable[[], AsyncIterator[ThreadStreamEvent]]:
    store = call.context.store

    async def prelude() -> AsyncIterator[ThreadStreamEvent]:
        attached = [dataclasses.replace(a, thread_id=record.id) for a in files]
        item = UserMessageItem(
            id=ids.new_id(ids.ITEM),
            thread_id=record.id,
            created_at=datetime.now(),
            content=message.content,
            attachments=[attachments.to_wire(call, a) for a in attached],
            quoted_text=message.quoted_text,
            inference_options=message.inference_options,
        )
        # One transaction: a new thread never exists without the message that started it.
        await store.save_records(
            thread=record if new else None,
            attachments=attached,
            items=[item_record(item)],
            touch_thread_at=None if new else call.now,
        )
        cell.item = item
        if new:
            yield ThreadCreatedEvent(thread=thread_response(thread_metadata(record)))
        yield ThreadItemDoneEvent(item=item)

    return prelude


async def _create_thread(call: Call, message: UserMessageInput) -> TurnStream:
    files = await attachments.for_message(call, message.attachments, None)
    now = call.now
    session = call.session
    record = ThreadRecord(
        id=ids.new_id(ids.THREAD),
        user=session.user,
        session_id=session.id,
        title=None,
        status="active",
        status_reason=None,
        created_at=now,
        updated_at=now,
        workflow_id=session.workflow_id,
        workflow_version=session.workflow_version,
    )
    cell = _Cell()
    prelude = _message_prelude(call, record, message, files, cell, new=True)
    return TurnStream(call, record, thread_metadata(record), prelude=prelude, source=_respond(call), user_item=cell)


async def _add_message(call: Call, thread_id: str, message: UserMessageInput) -> TurnStream:
    record = await load_thread(call.context.store, call.session, thread_id)
    _require_open(record)
    files = await attachments.for_message(call, message.attachments, record.id)
    cell = _Cell()
    prelude = _message_prelude(call, record, message, files, cell, new=False)
    return TurnStream(call, record, thread_metadata(record), prelude=prelude, source=_respond(call), user_item=cell)


async def _item(call: Call, record: ThreadRecord, item_id: str) -> ThreadItem:
    found = await call.context.store.get_item(record.id, item_id) if ids.is_valid(item_id, ids.ITEM) else None
    if found is None or found.type in HIDDEN_ITEM_TYPES:
        raise item_not_found(item_id)
    return item_from_record(found)


async def _tool_output(call: Call, request: ThreadsAddClientToolOutputReq) -> TurnStream:
    store = call.context.store
    record = await load_thread(store, call.session, request.params.thread_id)
    _require_open(record)
    recent = await store.list_items(
        record.id, after=None, before=None, limit=TOOL_CALL_LOOKBACK, order="desc", exclude_types=HIDDEN_ITEM_TYPES
    )
    pending = [
        item
        for item in (item_from_record(r) for r in recent.data if r.type == "client_tool_call")
        if isinstance(item, ClientToolCallItem) and item.status == "pending"
    ]
    if not pending:
        raise BadRequest(
            f"Thread '{record.id}' has no pending client tool call to answer.",
            param="thread_id",
            code="no_pending_tool_call",
        )
    answered, stale = pending[0], pending[1:]
    done = answered.model_copy(update={"status": "completed", "output": request.params.result})

    async def prelude() -> AsyncIterator[ThreadStreamEvent]:
        await store.save_item(item_record(done), touch_thread_at=call.now)
        for item in stale:  # an unanswered older call would confuse the next model turn
            await store.delete_item(record.id, item.id)
        return
        yield  # pragma: no cover - makes this an async generator

    return TurnStream(call, record, thread_metadata(record), prelude=prelude, source=_respond(call), user_item=_Cell())


async def _structured_input(call: Call, request: ThreadsAddStructuredInputReq) -> TurnStream:
    record = await load_thread(call.context.store, call.session, request.params.thread_id)
    _require_open(record)
    item = await _item(call, record, request.params.item_id)
    if not isinstance(item, StructuredInputItem) or item.status != "pending":
        raise BadRequest(
            f"Item '{item.id}' is not a pending structured input.", param="item_id", code="not_pending_structured_input"
        )
    answered = apply_submission(item, request.params.input)
    respond = _respond(call)

    async def source(turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        yield ThreadItemReplacedEvent(item=answered)
        async for event in respond(turn):
            yield event

    return TurnStream(call, record, thread_metadata(record), prelude=None, source=source, user_item=_Cell())


async def _retry(call: Call, request: ThreadsRetryAfterItemReq) -> TurnStream:
    store = call.context.store
    record = await load_thread(store, call.session, request.params.thread_id)
    _require_open(record)
    item = await _item(call, record, request.params.item_id)
    if not isinstance(item, UserMessageItem):
        raise BadRequest(f"Item '{item.id}' is not a user message.", param="item_id", code="not_a_user_message")

    async def prelude() -> AsyncIterator[ThreadStreamEvent]:
        await store.delete_items_after(record.id, item.id)
        return
        yield  # pragma: no cover - makes this an async generator

    return TurnStream(
        call, record, thread_metadata(record), prelude=prelude, source=_respond(call), user_item=_Cell(item)
    )


async def _sender(call: Call, record: ThreadRecord, item_id: str | None) -> WidgetItem | None:
    if item_id is None:
        return None
    item = await _item(call, record, item_id)
    if not isinstance(item, WidgetItem):
        raise BadRequest(f"Item '{item_id}' is not a widget.", param="item_id", code="not_a_widget")
    return item


async def _custom_action(call: Call, request: ThreadsCustomActionReq) -> TurnStream:
    record = await load_thread(call.context.store, call.session, request.params.thread_id)
    _require_open(record)
    sender = await _sender(call, record, request.params.item_id)
    responder = call.context.responder
    action = request.params.action
    return TurnStream(
        call,
        record,
        thread_metadata(record),
        prelude=None,
        source=lambda turn: responder.action(turn, action, sender),
        user_item=_Cell(),
    )


# -- JSON requests --------------------------------------------------------------------------------------


def _page_size(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE
    if limit < 1:
        raise BadRequest("'limit' must be at least 1.", param="params.limit", code="invalid_value")
    return min(limit, MAX_PAGE)


def _items_page(call: Call, records: list[ItemRecord], has_more: bool) -> Page[ThreadItem]:
    data = [attachments.refresh_previews(call, item_from_record(r)) for r in records]
    return Page[ThreadItem](data=data, has_more=has_more, after=data[-1].id if has_more and data else None)


async def _get_thread(call: Call, thread_id: str) -> bytes:
    store = call.context.store
    record = await load_thread(store, call.session, thread_id)
    page = await store.list_items(
        record.id, after=None, before=None, limit=DEFAULT_PAGE, order="asc", exclude_types=HIDDEN_ITEM_TYPES
    )
    return to_json(thread_response(thread_metadata(record), _items_page(call, page.data, page.has_more)))


async def _list_threads(call: Call, limit: int | None, order: str, after: str | None) -> bytes:
    size = _page_size(limit)
    page = await list_threads(call.context.store, call.session, after=after, limit=size, order=order)
    data = [thread_response(thread_metadata(r)) for r in page.data]
    after_id = data[-1].id if page.has_more and data else None
    return to_json(Page[Thread](data=data, has_more=page.has_more, after=after_id))


async def _update_thread(call: Call, thread_id: str, title: str) -> bytes:
    store = call.context.store
    record = await load_thread(store, call.session, thread_id)
    record = dataclasses.replace(record, title=title.strip()[:512] or None, updated_at=call.now)
    await store.save_thread(record)
    return to_json(thread_response(thread_metadata(record)))


async def _delete_thread(call: Call, thread_id: str) -> bytes:
    store = call.context.store
    record = await load_thread(store, call.session, thread_id)
    await delete_thread_with_files(store, call.context.files, record.id)
    return EMPTY


async def _list_items(call: Call, thread_id: str, limit: int | None, order: str, after: str | None) -> bytes:
    store = call.context.store
    record = await load_thread(store, call.session, thread_id)
    if after is not None and not ids.is_valid(after, ids.ITEM):
        raise BadRequest(f"Invalid 'after': '{after}' is not an item id.", param="params.after", code="invalid_cursor")
    page = await store.list_items(
        record.id,
        after=after,
        before=None,
        limit=_page_size(limit),
        order="asc" if order == "asc" else "desc",
        exclude_types=HIDDEN_ITEM_TYPES,
    )
    return to_json(_items_page(call, page.data, page.has_more))


async def _feedback(call: Call, thread_id: str, item_ids: list[str], kind: FeedbackKind) -> bytes:
    store = call.context.store
    record = await load_thread(store, call.session, thread_id)
    if not item_ids:
        raise BadRequest("'item_ids' must name at least one item.", param="params.item_ids", code="invalid_value")
    for item_id in item_ids:
        await _item(call, record, item_id)
    now = call.now
    await store.add_feedback(
        [
            FeedbackRecord(
                id=ids.new_id(ids.FEEDBACK),
                thread_id=record.id,
                item_id=item_id,
                kind=kind,
                user=call.session.user,
                session_id=call.session.id,
                created_at=now,
            )
            for item_id in dict.fromkeys(item_ids)
        ]
    )
    return EMPTY
