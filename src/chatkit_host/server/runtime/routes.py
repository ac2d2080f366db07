"""HTTP routes of the runtime: ``POST /chatkit`` and the attachment upload/preview URLs it hands out.

Authentication is the session's client secret (``Authorization: Bearer``); URLs meant for the browser
(upload targets, ``<img>`` previews) may instead carry a signature bound to the session (see uploads.py).
Every authenticated runtime request counts against the session's per-minute budget.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.datastructures import UploadFile
from starlette.types import Message

from chatkit_host.server import ids
from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import AuthenticationFailed, BadRequest, RateLimited
from chatkit_host.server.http.asgi import get_context, read_body
from chatkit_host.server.http.auth import bearer_token
from chatkit_host.server.http.inputs import check_mime_type, check_text
from chatkit_host.server.runtime import uploads
from chatkit_host.server.runtime.auth import session_by_id, session_for_secret
from chatkit_host.server.runtime.core import JSONResult, process
from chatkit_host.server.runtime.request import RuntimeRequest
from chatkit_host.server.runtime.sse import to_json
from chatkit_host.server.runtime.transport import EventStreamResponse
from chatkit_host.server.runtime.visibility import attachment_not_found, load_attachment
from chatkit_host.server.sessions.ratelimit import retry_after_seconds
from chatkit_host.server.store import SessionRecord

logger = logging.getLogger(__name__)

router = APIRouter(tags=["runtime"])

CHUNK = 256 * 1024
#: Multipart framing around the file: headers and boundaries, never the file itself.
MULTIPART_SLACK = 64 * 1024


async def _count(context: AppContext, session: SessionRecord, now: float) -> None:
    try:
        wait = await context.limiter.hit(session.id, session.max_requests_per_1_minute, now)
    except Exception:
        # Availability over strictness: a limiter outage (Redis down) must not take the chat down with it.
        logger.warning("rate limiter unavailable; letting the request through", exc_info=True)
        return
    if wait > 0:
        limit = session.max_requests_per_1_minute
        seconds = retry_after_seconds(wait)
        raise RateLimited(
            f"Rate limit reached for this ChatKit session: {limit} requests per minute. Retry in {seconds} s.",
            retry_after=seconds,
        )


async def authenticate(request: Request) -> tuple[AppContext, SessionRecord]:
    context = get_context(request)
    now = context.clock()
    session = await session_for_secret(context.store, bearer_token(request), now)
    await _count(context, session, now)
    return context, session


def _base_url(request: Request, context: AppContext) -> str:
    return (context.settings.public_url or str(request.base_url)).rstrip("/")


def _runtime_request(request: Request, context: AppContext, session: SessionRecord) -> RuntimeRequest:
    return RuntimeRequest(context, session, _base_url(request, context), locale=request.headers.get("accept-language"))


@router.post(
    "/chatkit",
    summary="The ChatKit runtime endpoint (custom-backend protocol): JSON {type, params}, answered as SSE or JSON.",
)
async def chatkit(request: Request) -> Response:
    context, session = await authenticate(request)
    body = await read_body(request, context.settings.max_body_bytes)
    result = await process(body, _runtime_request(request, context, session))
    if isinstance(result, JSONResult):
        return Response(result.body, media_type="application/json")
    return EventStreamResponse(result)


# -- attachments ----------------------------------------------------------------------------------------


async def _signed_or_bearer(
    request: Request, attachment_id: str, purpose: str, session_id: str | None, sig: str | None
) -> tuple[AppContext, SessionRecord]:
    """A signed URL names its session; otherwise the caller authenticates with the client secret."""
    check_text("attachment_id", attachment_id)
    if sig is None or session_id is None:
        return await authenticate(request)
    context = get_context(request)
    now = context.clock()
    # Unauthenticated input: a value no signed URL carries (not a session id, not 64 hex digits: NUL,
    # non-ASCII) is refused before it reaches the store or the HMAC comparison (issue 13.4).
    well_formed = ids.is_valid(session_id, ids.SESSION) and uploads.is_signature(sig)
    session = await session_by_id(context.store, session_id, now) if well_formed else None
    if session is None or not uploads.check_signature(session, attachment_id, purpose, sig):
        raise AuthenticationFailed(
            "This attachment URL is invalid, or its session has expired or was cancelled.", code="invalid_signature"
        )
    if purpose == "upload":
        await _count(context, session, now)
    return context, session


async def _chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(CHUNK):
        yield chunk


def _precheck_size(request: Request, session: SessionRecord) -> None:
    declared = request.headers.get("content-length")
    limit = session.max_file_size_mb * uploads.MB + MULTIPART_SLACK
    if declared and declared.isdigit() and int(declared) > limit:
        raise uploads.too_large(session)


def _bounded(request: Request, session: SessionRecord) -> Request:
    """The request, refusing the body once it passes the session's file limit (plus multipart framing).

    Starlette spools a multipart file before we see it; without this a chunked upload with no
    Content-Length could make it spool any amount of data.
    """
    limit = session.max_file_size_mb * uploads.MB + MULTIPART_SLACK
    received = 0

    async def receive() -> Message:
        nonlocal received
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise uploads.too_large(session)
        return message

    return Request(request.scope, receive)


def _is_multipart(request: Request) -> bool:
    return request.headers.get("content-type", "").lower().startswith("multipart/form-data")


@router.post("/chatkit/upload", summary="Direct upload: multipart/form-data with a 'file' field.")
async def upload_direct(request: Request) -> Response:
    context, session = await authenticate(request)
    uploads.require_uploads(session)
    _precheck_size(request, session)
    if not _is_multipart(request):
        raise BadRequest("Send the file as multipart/form-data in a field named 'file'.", param="file")
    req = _runtime_request(request, context, session)
    await uploads.require_room(req)  # before Starlette spools the file; the insert decides the limit atomically
    async with _bounded(request, session).form(max_files=1, max_fields=10) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise BadRequest("Missing the multipart field 'file'.", param="file", code="missing_required_parameter")
        mime = check_mime_type("file", upload.content_type or "application/octet-stream")
        check_text("file", upload.filename)
        attachment = await uploads.upload_direct(req, upload.filename or "file", mime, _chunks(upload))
    return Response(to_json(attachment), media_type="application/json")


@router.post(
    "/chatkit/attachments/{attachment_id}/upload",
    operation_id="upload_attachment",
    summary="Two-phase upload target: the URL in an attachment's upload_descriptor.",
)
@router.put(
    "/chatkit/attachments/{attachment_id}/upload",
    operation_id="upload_attachment_put",
    summary="Two-phase upload target, with the raw bytes as the body.",
)
async def upload_two_phase(
    request: Request,
    attachment_id: str,
    session_id: Annotated[str | None, Query(alias="session")] = None,
    sig: str | None = None,
) -> Response:
    context, session = await _signed_or_bearer(request, attachment_id, "upload", session_id, sig)
    record = await load_attachment(context.store, session, attachment_id)
    _precheck_size(request, session)
    req = _runtime_request(request, context, session)
    # The claim comes before the body is read (Starlette spools a multipart file first): of concurrent uploads
    # of one attachment, only the one holding the claim reads and stores bytes.
    async with uploads.claimed(req, record) as slot:
        if _is_multipart(request):
            async with _bounded(request, session).form(max_files=1, max_fields=10) as form:
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise BadRequest(
                        "Missing the multipart field 'file'.", param="file", code="missing_required_parameter"
                    )
                attachment = await slot.receive(_chunks(upload))
        else:
            attachment = await slot.receive(request.stream())
    return Response(to_json(attachment), media_type="application/json")


@router.get("/chatkit/attachments/{attachment_id}/content", summary="An attachment's bytes, for its owner only.")
async def content(
    request: Request,
    attachment_id: str,
    session_id: Annotated[str | None, Query(alias="session")] = None,
    sig: str | None = None,
) -> Response:
    context, session = await _signed_or_bearer(request, attachment_id, "preview", session_id, sig)
    record = await load_attachment(context.store, session, attachment_id)
    if record.storage_key is None or not await context.files.exists(record.storage_key):
        raise attachment_not_found(attachment_id)
    image = uploads.is_image(record.mime_type)
    headers = {
        "Cache-Control": "private, max-age=300",
        "X-Content-Type-Options": "nosniff",
        # Uploaded bytes are never run as a page of this origin (an uploaded SVG or HTML file stays inert).
        "Content-Security-Policy": "sandbox; default-src 'none'",
        "Content-Disposition": "inline" if image else "attachment",
        "Access-Control-Allow-Origin": "*",
    }
    return StreamingResponse(context.files.open(record.storage_key), media_type=record.mime_type, headers=headers)
