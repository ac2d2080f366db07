"""What a session may see: its user's threads, narrowed by ``history`` settings.

Another user's thread, and a thread outside the session's history window, behave exactly like a thread that
does not exist: the same 404, the same message.
"""

from __future__ import annotations

from chatkit_host.server import ids
from chatkit_host.server.errors import BadRequest, NotFound
from chatkit_host.server.store import AttachmentRecord, Page, SessionRecord, Store, ThreadRecord


def thread_not_found(thread_id: str) -> NotFound:
    return NotFound(f"Thread with id '{thread_id}' not found.", param="thread_id", code="thread_not_found")


def item_not_found(item_id: str) -> NotFound:
    return NotFound(f"Item with id '{item_id}' not found.", param="item_id", code="item_not_found")


def attachment_not_found(attachment_id: str) -> NotFound:
    return NotFound(
        f"Attachment with id '{attachment_id}' not found.", param="attachment_id", code="attachment_not_found"
    )


async def history_floor(store: Store, session: SessionRecord) -> str | None:
    """The oldest thread id ``recent_threads=N`` still shows, or None when every thread is visible."""
    if session.recent_threads is None:
        return None
    return await store.nth_newest_thread_id(session.user, session.recent_threads)


def _visible(thread: ThreadRecord, session: SessionRecord, floor: str | None) -> bool:
    if thread.user != session.user:
        return False
    if not session.history_enabled and thread.session_id != session.id:
        return False
    return floor is None or thread.id >= floor


async def load_thread(store: Store, session: SessionRecord, thread_id: str) -> ThreadRecord:
    thread = await store.get_thread(thread_id) if ids.is_valid(thread_id, ids.THREAD) else None
    if thread is None:
        raise thread_not_found(thread_id)
    if not _visible(thread, session, await history_floor(store, session)):
        raise thread_not_found(thread_id)
    return thread


async def visible_threads(
    store: Store, session: SessionRecord, *, after: str | None, limit: int, order: str
) -> Page[ThreadRecord]:
    """One page of the threads the session may see (``threads.list``; ``Store.list_threads`` runs the query)."""
    if after is not None and not ids.is_valid(after, ids.THREAD):
        raise BadRequest(f"Invalid 'after': '{after}' is not a thread id.", param="params.after", code="invalid_cursor")
    return await store.list_threads(
        user=session.user,
        after=after,
        before=None,
        limit=limit,
        order="asc" if order == "asc" else "desc",
        session_id=None if session.history_enabled else session.id,
        min_id=await history_floor(store, session),
    )


async def load_attachment(store: Store, session: SessionRecord, attachment_id: str) -> AttachmentRecord:
    """The user's attachment, if the session may see it: an attachment sent into a thread is as visible as that
    thread (a history-off session, or one outside its ``recent_threads`` window, gets the same 404 for both)."""
    found = await store.get_attachment(attachment_id) if ids.is_valid(attachment_id, ids.ATTACHMENT) else None
    if found is None or found.user != session.user:
        raise attachment_not_found(attachment_id)
    if found.thread_id is not None:
        thread = await store.get_thread(found.thread_id)
        if thread is None or not _visible(thread, session, await history_floor(store, session)):
            raise attachment_not_found(attachment_id)
    return found
