"""Running a turn as a stream: persist what the events say, send them, and keep state on interruption.

:class:`TurnStream` runs any :class:`~chatkit_host.server.runtime.plan.TurnPlan` the same way: the plan's
first writes and their announcements, ``stream_options``, the responder's events (saved as they say), then
the thread's title and status. Everything that can be checked before the first byte (thread exists, is
visible, takes input) is checked by ``core`` and answered as a JSON error; once this generator runs,
failures become ``error`` events.

Durability (issue 14): a turn first takes its thread's ticket (``turn_lock.py``: one turn at a time per
thread, across replicas, and crash detection); an assistant message is saved while it streams, every
:data:`FLUSH_INTERVAL` at most, so after a crash the thread keeps what the user saw; the saves that finish a
turn are retried through a database blip (``store/transient.py``) rather than losing the finished answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import datetime

from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageContentPartAdded,
    AssistantMessageContentPartDone,
    AssistantMessageContentPartTextDelta,
    AssistantMessageItem,
    ErrorEvent,
    SDKHiddenContextItem,
    StreamOptions,
    StreamOptionsEvent,
    ThreadCreatedEvent,
    ThreadItem,
    ThreadItemAddedEvent,
    ThreadItemDoneEvent,
    ThreadItemRemovedEvent,
    ThreadItemReplacedEvent,
    ThreadItemUpdatedEvent,
    ThreadMetadata,
    ThreadStreamEvent,
    ThreadUpdatedEvent,
    UserMessageItem,
)

from chatkit_host.server import ids
from chatkit_host.server.errors import HTTPError
from chatkit_host.server.runtime.convert import (
    item_record,
    status_fields,
    thread_metadata,
    thread_response,
)
from chatkit_host.server.runtime.history import load_window
from chatkit_host.server.runtime.plan import Respond, RunAction, TurnPlan
from chatkit_host.server.runtime.request import RuntimeRequest
from chatkit_host.server.runtime.sse import frame
from chatkit_host.server.runtime.turn_lock import TurnLock, policy_of
from chatkit_host.server.runtime.visibility import attachment_not_found
from chatkit_host.server.sessions.watch import Watch
from chatkit_host.server.store import AttachmentUnavailable, ItemRecord
from chatkit_host.server.store.records import HIDDEN_ITEM_TYPES
from chatkit_host.server.store.transient import retrying
from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.history import user_text

logger = logging.getLogger(__name__)

TITLE_WORDS = 6
TITLE_CHARS = 60
CANCELLED_NOTE = "The user cancelled the stream; the assistant's answer above may be incomplete."
SESSION_ENDED = "The ChatKit session was cancelled, so this answer was stopped."
SESSION_EXPIRED = "The ChatKit session expired, so this answer was stopped."
#: A streaming answer is saved as it grows, at most once per this many seconds per item (and when it is done),
#: so a crash loses at most this much of what the user saw; one small upsert per item per interval.
FLUSH_INTERVAL = 0.25


def fallback_title(text: str) -> str | None:
    """The first words of the user's message: deterministic, and good enough without a model."""
    words = text.split()
    if not words:
        return None
    title = " ".join(words[:TITLE_WORDS])
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rstrip() + "…"
    elif len(words) > TITLE_WORDS:
        title += "…"
    return title


def make_turn(req: RuntimeRequest, thread: ThreadMetadata, user_item: UserMessageItem | None) -> Turn:
    store = req.context.store
    thread_id = thread.id

    input_id = user_item.id if user_item is not None else None

    async def load_history(max_tokens: int | None = None) -> list[ThreadItem]:
        # The newest window within the budget (runtime/history.py), never the oldest items.
        return await load_window(store, thread_id, input_id=input_id, max_tokens=max_tokens)

    return Turn(
        session=req.session,
        thread=thread,
        input=user_item,
        load_history=load_history,
        new_item_id=lambda _kind: ids.new_id(ids.ITEM),
        locale=req.locale,
        metadata=req.metadata,
    )


def _apply_update(item: AssistantMessageItem, event: ThreadItemUpdatedEvent) -> None:
    update = event.update
    assistant_updates = (
        AssistantMessageContentPartAdded,
        AssistantMessageContentPartTextDelta,
        AssistantMessageContentPartDone,
    )
    if not isinstance(update, assistant_updates):
        return
    while len(item.content) <= update.content_index:
        item.content.append(AssistantMessageContent(text=""))
    if isinstance(update, AssistantMessageContentPartTextDelta):
        item.content[update.content_index].text += update.delta
    else:
        item.content[update.content_index] = update.content.model_copy(deep=True)


class TurnStream:
    """One streamed turn. Iterate :meth:`frames` (in the task that may be cancelled) to get SSE bytes."""

    def __init__(self, req: RuntimeRequest, plan: TurnPlan) -> None:
        self.req = req
        self.plan = plan
        #: The thread as last saved; ``thread`` is what the responder sees (and may change: status, title).
        self.record = plan.thread
        self.thread = thread_metadata(plan.thread)
        self.watch: Watch | None = None
        self._pending: dict[str, AssistantMessageItem] = {}
        #: When each pending item was last saved (monotonic seconds); absent: not saved yet.
        self._flushed: dict[str, float] = {}
        self._flushing: asyncio.Future[None] | None = None
        self._last_reply = ""

    async def _save(self, what: str, items: list[ItemRecord], touch: bool = True) -> None:
        """Save items, retrying through a database blip: a finished answer must not be lost to one."""
        store = self.req.context.store
        now = self.req.now if touch else None
        await retrying(lambda: store.save_records(items=items, touch_thread_at=now), what)

    async def _save_first(self) -> AsyncIterator[ThreadStreamEvent]:
        """The plan's writes (see ``SaveFirst``), and the events that announce the new thread and message."""
        save = self.plan.save_first
        store = self.req.context.store
        if save.delete_after is not None:
            await store.delete_items_after(self.record.id, save.delete_after)
        items = [item_record(item) for item in (save.message, *save.items) if item is not None]
        if save.thread is not None or save.attachments or items:
            try:
                await store.save_records(
                    thread=save.thread,
                    attachments=save.attachments,
                    items=items,
                    touch_thread_at=None if save.thread is not None or not items else self.req.now,
                )
            except AttachmentUnavailable as exc:  # sent into another thread, or deleted, since the plan was made
                raise attachment_not_found(exc.attachment_id) from exc
        for item_id in save.deleted:
            await store.delete_item(self.record.id, item_id)
        if save.thread is not None:
            yield ThreadCreatedEvent(thread=thread_response(self.thread))
        if save.message is not None:
            yield ThreadItemDoneEvent(item=save.message)

    def _responder_events(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        responder = self.req.context.responder
        match self.plan.source:
            case Respond():
                return responder.respond(turn)
            case RunAction(action=action, sender=sender):
                return responder.action(turn, action, sender)

    async def _persist(self, event: ThreadStreamEvent) -> None:
        store = self.req.context.store
        if isinstance(event, ThreadItemUpdatedEvent):
            pending = self._pending.get(event.item_id)
            if pending is not None:
                _apply_update(pending, event)
                await self._flush(pending)
        elif isinstance(event, ThreadItemDoneEvent):
            item = event.item
            await self._save("saving the finished item", [item_record(item)])
            self._forget(item.id)
            if isinstance(item, AssistantMessageItem):
                self._last_reply = " ".join(part.text for part in item.content)
        elif isinstance(event, ThreadItemAddedEvent):
            if isinstance(event.item, AssistantMessageItem):
                self._pending[event.item.id] = event.item.model_copy(deep=True)
        elif isinstance(event, ThreadItemReplacedEvent):
            await self._save("saving the replaced item", [item_record(event.item)])
            self._forget(event.item.id)
        elif isinstance(event, ThreadItemRemovedEvent):
            await retrying(lambda: store.delete_item(self.thread.id, event.item_id), "removing an item")
            self._forget(event.item_id)

    async def _flush(self, item: AssistantMessageItem) -> None:
        """Save a streaming answer once it has text, then at most every ``FLUSH_INTERVAL``.

        Not retried: the next flush (or the final save) writes the whole text again. The item is the one the
        client sees (``threads.get_by_id`` and ``items.list`` show it while it streams, and after a crash).
        """
        now = time.monotonic()
        last = self._flushed.get(item.id)
        if (last is not None and now - last < FLUSH_INTERVAL) or not any(part.text for part in item.content):
            return
        self._flushed[item.id] = now
        # Shielded and remembered: when the client goes away during this save, the save still ends, and the save
        # of the interrupted answer waits for it. Otherwise, on PostgreSQL (a pool of connections), this older
        # text could commit after the newer one and the thread would keep less than the client was sent.
        self._flushing = asyncio.ensure_future(self._save_streaming(item.id, item_record(item)))
        await asyncio.shield(self._flushing)

    async def _save_streaming(self, item_id: str, record: ItemRecord) -> None:
        try:
            await self.req.context.store.save_records(items=[record])
        except Exception:
            logger.warning("could not save the streaming answer %s yet", item_id, exc_info=True)

    def _forget(self, item_id: str) -> None:
        self._pending.pop(item_id, None)
        self._flushed.pop(item_id, None)

    async def _save_interrupted(self) -> None:
        """Keep the partial answer, and tell the next turn that it was cut short."""
        kept = [item_record(i) for i in self._pending.values() if any(part.text.strip() for part in i.content)]
        self._pending.clear()
        self._flushed.clear()
        if self._flushing is not None and not self._flushing.done():
            await asyncio.wait([self._flushing])  # an earlier snapshot must land before the latest text
        if kept:
            await self._save("saving the interrupted answer", kept)
        note = SDKHiddenContextItem(
            id=ids.new_id(ids.ITEM), thread_id=self.thread.id, created_at=datetime.now(), content=CANCELLED_NOTE
        )
        await self._save("saving the interruption note", [item_record(note)], touch=False)

    async def _thread_changes(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        """Title after the first exchange, and any change the responder made to the thread."""
        thread = self.thread
        user_item = self.plan.user_item
        untitled = thread.title is None and self.record.title is None
        if untitled and user_item is not None and self.req.session.titling_enabled:
            said = user_text(user_item)
            title: str | None = None
            try:
                title = await self.req.context.responder.title(turn, said, self._last_reply)
            except Exception:  # a failing title model must not fail the answer
                logger.warning("title generation failed for %s", thread.id, exc_info=True)
            thread.title = (title or "").strip()[:200] or fallback_title(said)
        status, reason = status_fields(thread.status)
        if thread.title == self.record.title and (status, reason) == (self.record.status, self.record.status_reason):
            return
        self.record = dataclasses.replace(
            self.record, title=thread.title, status=status, status_reason=reason, updated_at=self.req.now
        )
        record = self.record
        await retrying(lambda: self.req.context.store.save_records(thread=record), "saving the thread")
        yield ThreadUpdatedEvent(thread=thread_response(thread))

    async def frames(self) -> AsyncGenerator[bytes, None]:
        """The turn's SSE frames, once the thread's ticket is ours (see ``turn_lock.py``)."""
        lock = TurnLock(self.req, self.record.id, await policy_of(self.req) if not self.plan.new else "enqueue")
        inner: AsyncGenerator[bytes, None] | None = None
        try:
            try:
                refused = await lock.acquire()
            except Exception:  # the database is away: the stream says so instead of breaking off
                logger.exception("could not claim thread %s for a turn", self.record.id)
                yield frame(ErrorEvent(code="stream.error", allow_retry=True))
                return
            if refused is not None:
                yield frame(ErrorEvent(code="custom", message=refused, allow_retry=True))
                return
            if not self.plan.new:
                self._restamp()
            inner = self._frames()
            async for chunk in inner:
                yield chunk
        finally:
            if inner is not None:
                await inner.aclose()  # closed with us: its own GeneratorExit handling keeps the partial answer
            await lock.release()

    def _restamp(self) -> None:
        """The user message gets its id (its place in the thread) when its turn runs, not when it arrived.

        A message that waited for earlier turns then sorts after their answers (the thread reads question,
        answer, question, answer, in arrival order), and one whose claim found a crashed turn sorts after the
        note that claim wrote. Nobody has seen the first id: the message is announced after this.
        """
        save = self.plan.save_first
        if save.message is None:
            return
        message = save.message.model_copy(update={"id": ids.new_id(ids.ITEM), "created_at": datetime.now()})
        self.plan = dataclasses.replace(
            self.plan, user_item=message, save_first=dataclasses.replace(save, message=message)
        )

    async def _frames(self) -> AsyncGenerator[bytes, None]:
        watcher = self.req.context.watcher
        session = self.req.session
        watch = self.watch = watcher.watch(self.req.context.store, session.id, session.expires_at - self.req.now)
        turn: Turn | None = None
        events: AsyncIterator[ThreadStreamEvent] | None = None
        try:
            async for event in self._save_first():
                yield frame(event)
            yield frame(StreamOptionsEvent(stream_options=StreamOptions(allow_cancel=True)))
            turn = make_turn(self.req, self.thread, self.plan.user_item)
            events = self._responder_events(turn)
            replaced = self.plan.source.replaced if isinstance(self.plan.source, Respond) else None
            if replaced is not None:
                replacement = ThreadItemReplacedEvent(item=replaced)
                await self._persist(replacement)
                yield frame(replacement)
            async for event in events:
                await self._persist(event)
                if not (isinstance(event, ThreadItemDoneEvent) and event.item.type in HIDDEN_ITEM_TYPES):
                    yield frame(event)
                if watch.tripped:  # cancelled while the transport held the task, not inside the responder
                    break
            if not watch.tripped:
                async for event in self._thread_changes(turn):
                    yield frame(event)
        except GeneratorExit:
            # Closed by the transport without a cancellation: the client is gone.
            await self._interrupted(events)
            raise
        except asyncio.CancelledError:
            if not watch.tripped:
                await self._interrupted(events)
                raise  # the client went away: keep what was said, and let the cancellation finish
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        except HTTPError as exc:
            yield frame(ErrorEvent(code="custom", message=exc.message, allow_retry=False))
        except Exception:
            logger.exception("stream failed in thread %s", self.thread.id)
            yield frame(ErrorEvent(code="stream.error", allow_retry=True))
        finally:
            watcher.release(watch)
        if watch.tripped:
            await self._interrupted(events)
            message = SESSION_EXPIRED if watch.reason == "expired" else SESSION_ENDED
            yield frame(ErrorEvent(code="custom", message=message, allow_retry=False))

    async def _interrupted(self, events: AsyncIterator[ThreadStreamEvent] | None) -> None:
        if events is None:
            return  # stopped before the responder started: there is no answer to keep
        await self._close(events)
        await self._save_interrupted()

    @staticmethod
    async def _close(events: AsyncIterator[ThreadStreamEvent] | None) -> None:
        aclose: Callable[[], Awaitable[object]] | None = getattr(events, "aclose", None)
        if aclose is not None:
            try:
                await aclose()
            except Exception:
                logger.debug("responder raised while closing", exc_info=True)
