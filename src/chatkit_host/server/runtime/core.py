"""The protocol core: ``process(body, call)`` -> a stream of SSE bytes or a JSON answer.

Transport-agnostic: ``routes.py`` only wraps the result. Requests are parsed with one ``TypeAdapter`` built at
import, dispatch is an exhaustive ``match``, and everything that can fail before a stream starts fails here,
as an ``HTTPError`` the route renders as a 4xx JSON error.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
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
    ThreadAddClientToolOutputParams,
    ThreadAddStructuredInputParams,
    ThreadCustomActionParams,
    ThreadItem,
    ThreadRetryAfterItemParams,
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
    ThreadsUpdateReq,
    UserMessageInput,
    UserMessageItem,
    WidgetItem,
)
from pydantic import TypeAdapter, ValidationError

from chatkit_host.server import ids
from chatkit_host.server.attachments.storage import delete_thread_with_files
from chatkit_host.server.errors import BadRequest, ThreadInputRefused
from chatkit_host.server.http.inputs import check_raw_json_text, validation_to_bad_request
from chatkit_host.server.runtime import uploads
from chatkit_host.server.runtime.convert import (
    item_from_record,
    thread_metadata,
    thread_response,
)
from chatkit_host.server.runtime.plan import Respond, RunAction, SaveFirst, TurnPlan
from chatkit_host.server.runtime.request import RuntimeRequest
from chatkit_host.server.runtime.sse import to_json
from chatkit_host.server.runtime.stream import TurnStream
from chatkit_host.server.runtime.structured import apply_submission
from chatkit_host.server.runtime.transcribe import transcribe
from chatkit_host.server.runtime.visibility import item_not_found, load_thread, visible_threads
from chatkit_host.server.store import AttachmentRecord, FeedbackRecord, ItemRecord, ThreadRecord
from chatkit_host.server.store.records import HIDDEN_ITEM_TYPES

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
        parsed = REQUEST_ADAPTER.validate_json(body)
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
    # After the types: a malformed request is worded as such first; a well-formed one with NUL in a string
    # (which PostgreSQL cannot store) is refused naming its JSON path, as the REST edge does.
    check_raw_json_text(body)
    return parsed


async def process(body: bytes, req: RuntimeRequest) -> StreamingResult | JSONResult:
    parsed = parse(body)
    req.metadata = parsed.metadata
    match parsed:
        case ThreadsCreateReq():
            return _stream(req, await _create_thread(req, parsed.params.input))
        case ThreadsAddUserMessageReq():
            return _stream(req, await _add_message(req, parsed.params.thread_id, parsed.params.input))
        case ThreadsAddClientToolOutputReq():
            return _stream(req, await _tool_output(req, parsed.params))
        case ThreadsAddStructuredInputReq():
            return _stream(req, await _structured_input(req, parsed.params))
        case ThreadsRetryAfterItemReq():
            return _stream(req, await _retry(req, parsed.params))
        case ThreadsCustomActionReq():
            return _stream(req, await _custom_action(req, parsed.params))
        case ThreadsGetByIdReq():
            return JSONResult(await _get_thread(req, parsed.params.thread_id))
        case ThreadsListReq():
            p = parsed.params
            return JSONResult(await _threads_page(req, p.limit, p.order, p.after))
        case ThreadsUpdateReq():
            return JSONResult(await _update_thread(req, parsed.params.thread_id, parsed.params.title))
        case ThreadsDeleteReq():
            return JSONResult(await _delete_thread(req, parsed.params.thread_id))
        case ItemsListReq():
            p2 = parsed.params
            return JSONResult(await _list_items(req, p2.thread_id, p2.limit, p2.order, p2.after))
        case ItemsFeedbackReq():
            p3 = parsed.params
            return JSONResult(await _feedback(req, p3.thread_id, p3.item_ids, p3.kind))
        case AttachmentsCreateReq():
            return JSONResult(to_json(await uploads.create(req, parsed.params)))
        case AttachmentsDeleteReq():
            await uploads.delete(req, parsed.params.attachment_id)
            return JSONResult(EMPTY)
        case InputTranscribeReq():
            return JSONResult(to_json(await transcribe(req, parsed.params)))
        case ThreadsSyncCustomActionReq():
            record = await load_thread(req.context.store, req.session, parsed.params.thread_id)
            await _sender(req, record, parsed.params.item_id)
            # No responder handles synchronous actions yet: nothing is updated, which the protocol allows.
            return JSONResult(EMPTY)
        case _:
            assert_never(parsed)


def _stream(req: RuntimeRequest, plan: TurnPlan) -> StreamingResult:
    return StreamingResult(TurnStream(req, plan))


# -- streaming requests: each handler checks everything, then returns the plan ``TurnStream`` runs ------------


def _require_open(record: ThreadRecord) -> None:
    if record.status != "active":
        reason = f" ({record.status_reason})" if record.status_reason else ""
        raise ThreadInputRefused(
            f"Thread '{record.id}' is {record.status}{reason} and takes no new input.",
            param="thread_id",
            code=f"thread_{record.status}",
        )


async def _open_thread(req: RuntimeRequest, thread_id: str) -> ThreadRecord:
    record = await load_thread(req.context.store, req.session, thread_id)
    _require_open(record)
    return record


def _message_plan(
    req: RuntimeRequest, record: ThreadRecord, message: UserMessageInput, files: list[AttachmentRecord], *, new: bool
) -> TurnPlan:
    attached = tuple(dataclasses.replace(a, thread_id=record.id) for a in files)
    item = UserMessageItem(
        id=ids.new_id(ids.ITEM),
        thread_id=record.id,
        created_at=datetime.now(),
        content=message.content,
        attachments=[uploads.to_wire(req, a) for a in attached],
        quoted_text=message.quoted_text,
        inference_options=message.inference_options,
    )
    save = SaveFirst(thread=record if new else None, message=item, attachments=attached)
    return TurnPlan(record, item, save, Respond())


async def _create_thread(req: RuntimeRequest, message: UserMessageInput) -> TurnPlan:
    files = await uploads.for_message(req, message.attachments, None)
    now = req.now
    session = req.session
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
    return _message_plan(req, record, message, files, new=True)


async def _add_message(req: RuntimeRequest, thread_id: str, message: UserMessageInput) -> TurnPlan:
    record = await _open_thread(req, thread_id)
    files = await uploads.for_message(req, message.attachments, record.id)
    return _message_plan(req, record, message, files, new=False)


async def _item(req: RuntimeRequest, record: ThreadRecord, item_id: str) -> ThreadItem:
    found = await req.context.store.get_item(record.id, item_id) if ids.is_valid(item_id, ids.ITEM) else None
    if found is None or found.type in HIDDEN_ITEM_TYPES:
        raise item_not_found(item_id)
    return item_from_record(found)


async def _tool_output(req: RuntimeRequest, params: ThreadAddClientToolOutputParams) -> TurnPlan:
    record = await _open_thread(req, params.thread_id)
    recent = await req.context.store.list_items(
        record.id, after=None, before=None, limit=TOOL_CALL_LOOKBACK, order="desc", exclude_types=HIDDEN_ITEM_TYPES
    )
    pending = [
        item
        for item in (item_from_record(r) for r in recent.data if r.type == "client_tool_call")
        if isinstance(item, ClientToolCallItem) and item.status == "pending"
    ]
    if not pending:
        raise BadRequest(
            f"Thread '{record.id}' has no pending client tool req to answer.",
            param="thread_id",
            code="no_pending_tool_call",
        )
    answered, stale = pending[0], pending[1:]
    done = answered.model_copy(update={"status": "completed", "output": params.result})
    # An unanswered older req would confuse the next model turn: it goes.
    save = SaveFirst(items=(done,), deleted=tuple(item.id for item in stale))
    return TurnPlan(record, None, save, Respond())


async def _structured_input(req: RuntimeRequest, params: ThreadAddStructuredInputParams) -> TurnPlan:
    record = await _open_thread(req, params.thread_id)
    item = await _item(req, record, params.item_id)
    if not isinstance(item, StructuredInputItem) or item.status != "pending":
        raise BadRequest(
            f"Item '{item.id}' is not a pending structured input.", param="item_id", code="not_pending_structured_input"
        )
    answered = apply_submission(item, params.input)
    return TurnPlan(record, None, SaveFirst(), Respond(replaced=answered))


async def _retry(req: RuntimeRequest, params: ThreadRetryAfterItemParams) -> TurnPlan:
    record = await _open_thread(req, params.thread_id)
    item = await _item(req, record, params.item_id)
    if not isinstance(item, UserMessageItem):
        raise BadRequest(f"Item '{item.id}' is not a user message.", param="item_id", code="not_a_user_message")
    return TurnPlan(record, item, SaveFirst(delete_after=item.id), Respond())


async def _sender(req: RuntimeRequest, record: ThreadRecord, item_id: str | None) -> WidgetItem | None:
    if item_id is None:
        return None
    item = await _item(req, record, item_id)
    if not isinstance(item, WidgetItem):
        raise BadRequest(f"Item '{item_id}' is not a widget.", param="item_id", code="not_a_widget")
    return item


async def _custom_action(req: RuntimeRequest, params: ThreadCustomActionParams) -> TurnPlan:
    record = await _open_thread(req, params.thread_id)
    sender = await _sender(req, record, params.item_id)
    return TurnPlan(record, None, SaveFirst(), RunAction(params.action, sender))


# -- JSON requests --------------------------------------------------------------------------------------


def _page_size(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_PAGE
    if limit < 1:
        raise BadRequest("'limit' must be at least 1.", param="params.limit", code="invalid_value")
    return min(limit, MAX_PAGE)


def _items_page(req: RuntimeRequest, records: list[ItemRecord], has_more: bool) -> Page[ThreadItem]:
    data = [uploads.refresh_previews(req, item_from_record(r)) for r in records]
    return Page[ThreadItem](data=data, has_more=has_more, after=data[-1].id if has_more and data else None)


async def _get_thread(req: RuntimeRequest, thread_id: str) -> bytes:
    store = req.context.store
    record = await load_thread(store, req.session, thread_id)
    page = await store.list_items(
        record.id, after=None, before=None, limit=DEFAULT_PAGE, order="asc", exclude_types=HIDDEN_ITEM_TYPES
    )
    return to_json(thread_response(thread_metadata(record), _items_page(req, page.data, page.has_more)))


async def _threads_page(req: RuntimeRequest, limit: int | None, order: str, after: str | None) -> bytes:
    size = _page_size(limit)
    page = await visible_threads(req.context.store, req.session, after=after, limit=size, order=order)
    data = [thread_response(thread_metadata(r)) for r in page.data]
    after_id = data[-1].id if page.has_more and data else None
    return to_json(Page[Thread](data=data, has_more=page.has_more, after=after_id))


async def _update_thread(req: RuntimeRequest, thread_id: str, title: str) -> bytes:
    store = req.context.store
    record = await load_thread(store, req.session, thread_id)
    record = dataclasses.replace(record, title=title.strip()[:512] or None, updated_at=req.now)
    await store.save_thread(record)
    return to_json(thread_response(thread_metadata(record)))


async def _delete_thread(req: RuntimeRequest, thread_id: str) -> bytes:
    store = req.context.store
    record = await load_thread(store, req.session, thread_id)
    await delete_thread_with_files(store, req.context.files, record.id)
    return EMPTY


async def _list_items(req: RuntimeRequest, thread_id: str, limit: int | None, order: str, after: str | None) -> bytes:
    store = req.context.store
    record = await load_thread(store, req.session, thread_id)
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
    return to_json(_items_page(req, page.data, page.has_more))


async def _feedback(req: RuntimeRequest, thread_id: str, item_ids: list[str], kind: FeedbackKind) -> bytes:
    store = req.context.store
    record = await load_thread(store, req.session, thread_id)
    if not item_ids:
        raise BadRequest("'item_ids' must name at least one item.", param="params.item_ids", code="invalid_value")
    for item_id in item_ids:
        await _item(req, record, item_id)
    now = req.now
    await store.add_feedback(
        [
            FeedbackRecord(
                id=ids.new_id(ids.FEEDBACK),
                thread_id=record.id,
                item_id=item_id,
                kind=kind,
                user=req.session.user,
                session_id=req.session.id,
                created_at=now,
            )
            for item_id in dict.fromkeys(item_ids)
        ]
    )
    return EMPTY
