"""The busiest REST routes served as plain ASGI, in front of FastAPI's routing, dependencies and responses.

``GET /v1/chatkit/threads`` and ``POST /v1/chatkit/sessions`` are what integrations call per page view and
per chat start. Through FastAPI each pays for a ``Request``, dependency resolution, a ``Response`` object
and several middleware layers before and after its own work; an empty FastAPI route reaches under a third
of a bare ASGI endpoint's rate on uvicorn (``bench/RESULTS.md``). Here a hot endpoint is a coroutine
``(context, scope, receive) -> JSON bytes`` that raises :class:`~chatkit_host.errors.APIError` to fail; the
same coroutine is also mounted as an ordinary FastAPI route (``as_route``), so ``/openapi.json``, ``HEAD``
and the error path are the app's own, and both ways of reaching it run the same code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from chatkit_host.context import AppContext
from chatkit_host.errors import APIError, render

HotEndpoint = Callable[[AppContext, Scope, Receive], Awaitable[bytes]]

_JSON = b"application/json"


def _start(status: int, body: bytes, extra: Mapping[str, str] | None = None) -> dict[str, Any]:
    headers = [(b"content-type", _JSON), (b"content-length", str(len(body)).encode())]
    if extra:
        headers += [(name.encode("latin-1"), value.encode("latin-1")) for name, value in extra.items()]
    return {"type": "http.response.start", "status": status, "headers": headers}


def route_path(scope: Scope) -> str:
    """The path the app routes on: ``path`` minus any ``root_path`` the server was mounted under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


class HotRoutes:
    """ASGI middleware answering ``routes`` itself and passing every other request to the app.

    Added with ``app.add_middleware`` as the outermost user middleware, so it sits inside Starlette's
    server-error middleware: an unexpected exception still becomes the app's 500 envelope and a log line.
    """

    def __init__(self, app: ASGIApp, routes: Mapping[tuple[str, str], HotEndpoint]) -> None:
        self.app = app
        self.routes = dict(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.routes.get((scope["method"], route_path(scope)))
            if endpoint is not None:
                await self._serve(endpoint, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _serve(self, endpoint: HotEndpoint, scope: Scope, receive: Receive, send: Send) -> None:
        context: AppContext = scope["app"].state.context
        try:
            body = await endpoint(context, scope, receive)
        except APIError as exc:
            body = render(exc)
            await send(_start(exc.status, body, exc.headers()))
        except ClientDisconnect:
            return
        else:
            await send(_start(200, body))
        await send({"type": "http.response.body", "body": body})


def as_route(endpoint: HotEndpoint) -> Callable[[Request], Awaitable[Response]]:
    """The same endpoint as a FastAPI route (for ``HEAD``, ``/openapi.json`` and apps without :class:`HotRoutes`)."""

    async def route(request: Request) -> Response:
        body = await endpoint(request.app.state.context, request.scope, request.receive)
        return Response(body, media_type="application/json")

    route.__name__ = endpoint.__name__
    route.__doc__ = endpoint.__doc__
    return route


def header(scope: Scope, name: bytes) -> str | None:
    """One request header (``name`` in lower case, as ASGI servers deliver them), or None."""
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None
