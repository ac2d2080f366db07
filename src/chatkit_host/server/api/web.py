"""Pages and static files: the playground at ``/``, the admin console at ``/admin``, the UI under ``/static``.

``GET /playground/config`` and ``POST /playground/session`` serve the playground page and need the admin key,
exactly like ``/v1``: a session's client secret reads every thread of the user it names, so no network path may
mint one without the key. (They used to trust "loopback peer and loopback ``Host``", which every visitor of a
same-host reverse proxy with nginx's defaults satisfies; issue 13 item 1.) The page asks for the key like the
admin console does, and ``serve`` prints a first-start URL that carries it in the fragment, which never reaches
the server or its logs. ``CHATKIT_HOST_PLAYGROUND=0`` removes the two routes altogether.
"""

from __future__ import annotations

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
from chatkit_host.server.http.auth import authenticate_admin
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


def playground_enabled(context: AppContext) -> bool:
    """On unless the operator turned it off; on or off, it never answers without the admin key."""
    return context.settings.playground is not False


def playground_context(request: Request) -> AppContext:
    context = get_context(request)
    # Off is checked first so that the page can say why it cannot start before it asks for a key.
    if not playground_enabled(context):
        raise NotFound(
            "The playground is off on this server (CHATKIT_HOST_PLAYGROUND=0); "
            "unset it or set CHATKIT_HOST_PLAYGROUND=1 to turn it on.",
            code="playground_disabled",
        )
    authenticate_admin(context, request.headers.get("authorization"))
    return context


PlaygroundContext = Annotated[AppContext, Depends(playground_context)]


@router.api_route("/playground/config", methods=_GET, summary="What the playground page may offer.")
async def playground_config(context: PlaygroundContext) -> Response:
    """The workflows a session may run, each with the state variables its latest version declares.

    The page builds one typed field per declared variable from ``type``, ``default`` and ``description``.
    """
    workflows: list[dict[str, Any]] = [
        {"id": DEFAULT_WORKFLOW_ID, "name": "Built-in assistant", "latest_version": None, "state_variables": {}}
    ]
    store = context.workflow_store
    if store is not None:
        page = await store.list_workflows(after=None, before=None, limit=100, order="desc", include_archived=False)
        for w in page.data:
            if w.latest_version is None:
                continue
            version = await store.get_version(w.id, w.latest_version)
            declared = (version.summary.get("state_variables") if version else None) or {}
            workflows.append(
                {"id": w.id, "name": w.name, "latest_version": str(w.latest_version), "state_variables": declared}
            )
    return _json({"object": "chatkit.playground.config", "workflows": workflows})


@router.post("/playground/session", summary="Create a session for the playground page.")
async def playground_session(request: Request, context: PlaygroundContext) -> Response:
    _check_same_origin(request)
    body = parse_model(CreateSessionBody, await read_json(request, context.settings.max_body_bytes))
    now = context.clock()
    record, secret = await create_session(context.store, context.registry, body, now)
    return _json(session_to_rest(record, now, client_secret=secret))
