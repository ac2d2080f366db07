"""Raw ASGI helpers under both edges: a request header, the route path, the body, and JSON answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Starlette's own route path (``path`` minus ``root_path``, only at a segment boundary), so the fast lane
# matches exactly what Starlette's router would.
from starlette._utils import get_route_path as route_path
from starlette.requests import ClientDisconnect, Request
from starlette.types import Receive, Scope, Send

from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import PayloadTooLarge

__all__ = ["get_context", "header", "read_body", "receive_body", "route_path", "send_json"]

_JSON = b"application/json"


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def header(scope: Scope, name: bytes) -> str | None:
    """One request header (``name`` in lower case, as ASGI servers deliver them), or None."""
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


async def receive_body(receive: Receive, declared_length: str | None, max_bytes: int) -> bytes:
    """The whole body from ASGI ``receive``, refused as soon as it passes ``max_bytes`` (declared or as it arrives)."""
    if declared_length and declared_length.isdigit() and int(declared_length) > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
        chunks.append(chunk)
        if not message.get("more_body", False):
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)


async def read_body(request: Request, max_bytes: int) -> bytes:
    return await receive_body(request.receive, request.headers.get("content-length"), max_bytes)


async def send_json(
    send: Send, status: int, body: bytes, extra: Mapping[str, str] | None = None, *, head: bool = False
) -> None:
    """A whole JSON answer as the two ASGI messages; ``head`` keeps the length but sends no body (HEAD)."""
    headers = [(b"content-type", _JSON), (b"content-length", str(len(body)).encode())]
    if extra:
        headers += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in extra.items()]
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": b"" if head else body})
