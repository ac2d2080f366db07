"""Pages and static files: the playground at ``/``, the admin console at ``/admin``, the UI under ``/static``.

``POST /playground/session`` mints a session for the playground page without the admin key ever reaching
the browser. Anyone who can reach it can chat as any user name, so it exists only when the operator turns it
on (``CHATKIT_HOST_PLAYGROUND=1``) or, by default, for requests that arrive over loopback with a loopback
``Host`` header (the latter defeats DNS rebinding from a web page the user happens to visit).
"""

from __future__ import annotations

import ipaddress
import mimetypes
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, Response

from chatkit_host.server.api.sessions import session_to_rest
from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import NotFound, PermissionDenied, UnsupportedMediaType
from chatkit_host.server.http.asgi import get_context
from chatkit_host.server.http.inputs import parse_model, read_json
from chatkit_host.server.sessions.service import create_session
from chatkit_host.server.web import STATIC_DIR
from chatkit_host.server.workflows.registry import DEFAULT_WORKFLOW_ID
from chatkit_host.types.sessions import CreateSessionBody

router = APIRouter(include_in_schema=False)
#: Every page answers HEAD too, as Starlette's own routes do (FastAPI's ``router.get`` alone would 405 it).
_GET = ["GET", "HEAD"]

#: The pages load nothing from anywhere but this server; the browser enforces it too.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
#: Static files may be loaded by pages of other origins that embed the component. A module script is
#: always fetched in CORS mode, so without these headers ``<script type=module src=...>`` from another
#: origin fails; the files are public code and styles, so any origin may read them. The resource policy
#: keeps them loadable by embedders that isolate themselves (``Cross-Origin-Embedder-Policy``).
STATIC_HEADERS = {
    **PAGE_HEADERS,
    "Access-Control-Allow-Origin": "*",
    "Cross-Origin-Resource-Policy": "cross-origin",
}
_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def is_loopback_host(host: str | None) -> bool:
    """Whether ``host`` (an address or ``localhost``, brackets and port allowed) names this machine."""
    if not host:
        return False
    name = host.strip()
    if name.startswith("["):
        name = name[1 : name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    if name.lower() == "localhost" or name.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def playground_enabled(request: Request, context: AppContext) -> bool:
    explicit = context.settings.playground
    if explicit is not None:
        return explicit
    client = request.client.host if request.client else None
    server = request.scope.get("server")
    server_host = server[0] if server else None
    return (
        is_loopback_host(client)
        and (server_host is None or is_loopback_host(server_host))
        and is_loopback_host(request.headers.get("host"))
    )


def _static_file(relative: str) -> Path:
    try:
        path = (STATIC_DIR / relative).resolve()
        found = path.is_relative_to(STATIC_DIR) and path.is_file()
    except (OSError, ValueError):  # NUL bytes, names too long: not a file we serve either
        found = False
    if not found:
        raise NotFound(f"No static file '{relative[:200]}'.")
    return path


def _json(payload: Any) -> Response:
    return Response(orjson.dumps(payload), media_type="application/json")


def _file_response(path: Path, headers: dict[str, str] = PAGE_HEADERS) -> FileResponse:
    media_type = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path, media_type=media_type, headers=headers)


@router.api_route("/", methods=_GET, summary="The playground page.")
async def playground_page() -> FileResponse:
    return _file_response(_static_file("playground.html"))


@router.api_route("/admin", methods=_GET, summary="The admin console page.")
async def admin_page() -> FileResponse:
    return _file_response(_static_file("admin.html"))


@router.api_route("/static/{relative:path}", methods=_GET, summary="A file of the chat UI.")
async def static_file(relative: str) -> FileResponse:
    path = _static_file(relative)
    # The HTML pages stay same-origin only: they are pages, not parts of the component.
    return _file_response(path, PAGE_HEADERS if path.suffix == ".html" else STATIC_HEADERS)


def _check_same_origin(request: Request) -> None:
    """Refuses cross-site form posts: the page that asks must be served by this server."""
    origin = request.headers.get("origin")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise PermissionDenied("The playground only answers pages served by this server.", code="cross_origin")
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise UnsupportedMediaType("Expected a JSON body (application/json).")


def playground_context(request: Request) -> AppContext:
    context = get_context(request)
    if not playground_enabled(request, context):
        raise NotFound(
            "The playground is off: it is on by default only over loopback; set CHATKIT_HOST_PLAYGROUND=1 to allow it.",
            code="playground_disabled",
        )
    return context


PlaygroundContext = Annotated[AppContext, Depends(playground_context)]


@router.api_route("/playground/config", methods=_GET, summary="What the playground page may offer.")
async def playground_config(context: PlaygroundContext) -> Response:
    workflows: list[dict[str, Any]] = [{"id": DEFAULT_WORKFLOW_ID, "name": "Built-in"}]
    store = context.workflows.store
    if store is not None:
        page = await store.list_workflows(after=None, before=None, limit=100, order="desc", include_archived=False)
        workflows += [{"id": w.id, "name": w.name} for w in page.data if w.latest_version is not None]
    return _json({"object": "chatkit.playground.config", "workflows": workflows})


@router.post("/playground/session", summary="Create a session for the playground page.")
async def playground_session(request: Request, context: PlaygroundContext) -> Response:
    _check_same_origin(request)
    body = parse_model(CreateSessionBody, await read_json(request, context.settings.max_body_bytes))
    now = context.clock()
    record, secret = await create_session(context.store, context.workflows, body, now)
    return _json(session_to_rest(record, now, client_secret=secret))
