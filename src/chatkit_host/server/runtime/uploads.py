"""The runtime's attachment requests and uploads: metadata in the store, bytes in ``AppContext.files``.

Limits come from the session. (Named apart from the ``server/attachments/`` package, the storage and expiry
both edges use.)

URLs handed to the browser (upload targets, image previews) are signed for the session that asked: an
``<img src>`` cannot send a Bearer header. The key is the session's secret hash, which lives in the shared
database (so every replica can check it) and never leaves the server; a URL therefore stops working when
its session expires or is cancelled, at most ten minutes after it was issued.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import hmac
import re
from collections.abc import AsyncIterator
from urllib.parse import urlencode

from chatkit.types import (
    Attachment,
    AttachmentCreateParams,
    AttachmentUploadDescriptor,
    FileAttachment,
    ImageAttachment,
    ThreadItem,
    UserMessageItem,
)
from pydantic import AnyUrl

from chatkit_host.server import ids
from chatkit_host.server.attachments.gc import sendable
from chatkit_host.server.attachments.storage import UploadTooLarge
from chatkit_host.server.errors import BadRequest, Conflict, PayloadTooLarge, PermissionDenied
from chatkit_host.server.http.inputs import check_mime_type
from chatkit_host.server.runtime.request import RuntimeRequest
from chatkit_host.server.runtime.visibility import attachment_not_found, load_attachment
from chatkit_host.server.store import AttachmentRecord, SessionRecord

MB = 1024 * 1024


def signature(session: SessionRecord, attachment_id: str, purpose: str) -> str:
    message = f"{purpose}:{attachment_id}:{session.id}".encode()
    return hmac.new(session.secret_hash.encode(), message, hashlib.sha256).hexdigest()


_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def is_signature(presented: str) -> bool:
    """Whether ``presented`` has a signature's shape (what :func:`signature` makes: 64 lower-case hex digits).

    ``hmac.compare_digest`` raises on a non-ASCII ``str``: a value of any other shape is refused before it.
    """
    return _SIGNATURE.fullmatch(presented) is not None


def check_signature(session: SessionRecord, attachment_id: str, purpose: str, presented: str) -> bool:
    return hmac.compare_digest(signature(session, attachment_id, purpose), presented)


def signed_url(req: RuntimeRequest, attachment_id: str, purpose: str) -> str:
    path = "content" if purpose == "preview" else "upload"
    query = urlencode({"session": req.session.id, "sig": signature(req.session, attachment_id, purpose)})
    return f"{req.base_url}/chatkit/attachments/{attachment_id}/{path}?{query}"


def is_image(mime_type: str) -> bool:
    return mime_type.lower().startswith("image/")


def to_wire(req: RuntimeRequest, record: AttachmentRecord, *, with_upload: bool = False) -> Attachment:
    descriptor = (
        AttachmentUploadDescriptor(url=AnyUrl(signed_url(req, record.id, "upload")), method="POST", headers={})
        if with_upload
        else None
    )
    if is_image(record.mime_type):
        return ImageAttachment(
            id=record.id,
            name=record.name,
            mime_type=record.mime_type,
            thread_id=record.thread_id,
            upload_descriptor=descriptor,
            preview_url=AnyUrl(signed_url(req, record.id, "preview")),
        )
    return FileAttachment(
        id=record.id,
        name=record.name,
        mime_type=record.mime_type,
        thread_id=record.thread_id,
        upload_descriptor=descriptor,
    )


def refresh_previews(req: RuntimeRequest, item: ThreadItem) -> ThreadItem:
    """Stored preview URLs were signed for an earlier session; sign them again for this one."""
    if not isinstance(item, UserMessageItem) or not any(isinstance(a, ImageAttachment) for a in item.attachments):
        return item
    fresh: list[Attachment] = [
        a.model_copy(update={"preview_url": AnyUrl(signed_url(req, a.id, "preview"))})
        if isinstance(a, ImageAttachment)
        else a
        for a in item.attachments
    ]
    return item.model_copy(update={"attachments": fresh})


def require_uploads(session: SessionRecord) -> None:
    if not session.upload_enabled:
        raise PermissionDenied(
            "File uploads are disabled for this ChatKit session.", code="chatkit.file_upload_disabled"
        )


def too_large(session: SessionRecord) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The file is larger than this session's limit of {session.max_file_size_mb} MB.",
        param="size",
        code="chatkit.file_too_large",
    )


def _full(session: SessionRecord) -> BadRequest:
    return BadRequest(
        f"This ChatKit session may upload at most {session.max_files} files.", code="chatkit.max_files_exceeded"
    )


def _already_uploaded() -> BadRequest:
    return BadRequest("This attachment was already uploaded.", param="attachment_id", code="already_uploaded")


async def require_room(req: RuntimeRequest) -> None:
    """Refuse early, before any bytes are read, when the session is full. Only a shortcut for the common case:
    the limit itself is decided atomically when the attachment's row is inserted (``Store.add_attachment``)."""
    session = req.session
    if await req.context.store.count_session_attachments(session.id) >= session.max_files:
        raise _full(session)


def _new_record(req: RuntimeRequest, name: str, mime_type: str | None, declared_size: int) -> AttachmentRecord:
    """An attachment of this session's user, not yet in a thread and without bytes."""
    return AttachmentRecord(
        id=ids.new_id(ids.ATTACHMENT),
        user=req.session.user,
        session_id=req.session.id,
        thread_id=None,
        name=name,
        mime_type=mime_type or "application/octet-stream",
        declared_size=declared_size,
        size=None,
        storage_key=None,
        created_at=req.now,
    )


async def _add(req: RuntimeRequest, record: AttachmentRecord) -> None:
    if not await req.context.store.add_attachment(record, req.session.max_files):
        raise _full(req.session)


async def _save_bytes(req: RuntimeRequest, chunks: AsyncIterator[bytes]) -> tuple[str, int]:
    """Store the bytes, counting what actually arrives against the session's file limit."""
    session = req.session
    try:
        return await req.context.files.save(chunks, session.max_file_size_mb * MB)
    except UploadTooLarge as exc:
        raise too_large(session) from exc


async def create(req: RuntimeRequest, params: AttachmentCreateParams) -> Attachment:
    """Two-phase upload, phase one: record the attachment and hand out where to send its bytes."""
    session = req.session
    require_uploads(session)
    if params.size < 0:
        raise BadRequest("'size' must not be negative.", param="params.size", code="invalid_value")
    if params.size > session.max_file_size_mb * MB:
        raise too_large(session)
    mime_type = check_mime_type("params.mime_type", params.mime_type) if params.mime_type else None
    record = _new_record(req, params.name, mime_type, params.size)
    await _add(req, record)
    return to_wire(req, record, with_upload=True)


class UploadSlot:
    """An attachment claimed for one upload (see :func:`claimed`): :meth:`receive` stores its bytes once."""

    def __init__(self, req: RuntimeRequest, record: AttachmentRecord, claimed_at: float, *, direct: bool) -> None:
        self.req = req
        self.record = record
        self.claimed_at = claimed_at
        self.direct = direct
        #: Set once the bytes are recorded on the attachment.
        self.stored: AttachmentRecord | None = None
        self._key: str | None = None

    async def receive(self, chunks: AsyncIterator[bytes]) -> Attachment:
        """Store the bytes, counting what actually arrives against the session's limit, and record them."""
        store = self.req.context.store
        self._key, size = await _save_bytes(self.req, chunks)
        if not await store.finish_upload(self.record.id, self.claimed_at, size, self._key, direct=self.direct):
            # Deleted meanwhile, or a stale claim taken over by another upload that finished first.
            raise attachment_not_found(self.record.id)
        declared = size if self.direct else self.record.declared_size
        self.stored = dataclasses.replace(
            self.record, size=size, storage_key=self._key, upload_started_at=None, declared_size=declared
        )
        return to_wire(self.req, self.stored)

    async def abandon(self) -> None:
        """After a failure: give the claim back and remove bytes that no attachment records."""
        store, files = self.req.context.store, self.req.context.files
        await store.release_upload(self.record.id, self.claimed_at)
        if self._key is not None:
            current = await store.get_attachment(self.record.id)
            if current is None or current.storage_key != self._key:
                await files.delete(self._key)


@contextlib.asynccontextmanager
async def claimed(req: RuntimeRequest, record: AttachmentRecord) -> AsyncIterator[UploadSlot]:
    """Two-phase upload, phase two: claim ``record`` for this upload BEFORE any of its bytes are read.

    The claim is a conditional update in the database (``Store.claim_upload``), so of any number of concurrent
    uploads of one attachment, on any replica, one takes bytes and the others are refused at once. Leaving the
    block without stored bytes (an error, a disconnect, a cancellation) gives the claim back.
    """
    require_uploads(req.session)
    if record.storage_key is not None:
        raise _already_uploaded()
    store = req.context.store
    claimed_at = req.context.clock()
    if not await store.claim_upload(record.id, claimed_at):
        latest = await store.get_attachment(record.id)
        if latest is None:
            raise attachment_not_found(record.id)
        if latest.storage_key is not None:
            raise _already_uploaded()
        raise Conflict(
            "This attachment is being uploaded by another request.", param="attachment_id", code="upload_in_progress"
        )
    slot = UploadSlot(req, record, claimed_at, direct=False)
    try:
        yield slot
    finally:
        if slot.stored is None:
            # Shielded: a cancelled upload (the client went away) must still give its claim back.
            await asyncio.shield(slot.abandon())


async def upload_direct(req: RuntimeRequest, name: str, mime_type: str, chunks: AsyncIterator[bytes]) -> Attachment:
    """Direct strategy: the bytes arrive with the request that creates the attachment.

    The row is inserted first, claimed for this upload, within the session's file limit (decided atomically),
    so a full session takes no bytes; if the bytes then fail, the row goes again and nothing is left behind.
    """
    require_uploads(req.session)
    claimed_at = req.context.clock()
    record = dataclasses.replace(_new_record(req, name, mime_type, declared_size=0), upload_started_at=claimed_at)
    await _add(req, record)
    slot = UploadSlot(req, record, claimed_at, direct=True)
    try:
        attachment = await slot.receive(chunks)
    finally:
        if slot.stored is None:
            await asyncio.shield(_abandon_direct(req, slot))
    return attachment


async def _abandon_direct(req: RuntimeRequest, slot: UploadSlot) -> None:
    await slot.abandon()
    await req.context.store.delete_attachment_without_bytes(slot.record.id)


async def delete(req: RuntimeRequest, attachment_id: str) -> None:
    record = await load_attachment(req.context.store, req.session, attachment_id)
    deleted = await req.context.store.delete_attachment(record.id)
    if deleted is not None and deleted.storage_key:  # the row as deleted: an upload may have finished meanwhile
        await req.context.files.delete(deleted.storage_key)


async def for_message(req: RuntimeRequest, attachment_ids: list[str], thread_id: str | None) -> list[AttachmentRecord]:
    """The attachments a user message refers to: the caller's own, uploaded, and not in another thread."""
    records = []
    ttl = req.context.settings.attachment_ttl_seconds
    for attachment_id in attachment_ids:
        record = await load_attachment(req.context.store, req.session, attachment_id)
        if record.thread_id is not None and record.thread_id != thread_id:
            raise attachment_not_found(attachment_id)
        if not sendable(record, req.now, ttl):  # a sweep may be deleting it: as good as gone already
            raise attachment_not_found(attachment_id)
        if record.storage_key is None:
            raise BadRequest(
                f"Attachment '{attachment_id}' has no bytes yet; upload it before sending the message.",
                param="params.input.attachments",
                code="attachment_not_uploaded",
            )
        records.append(record)
    return records
