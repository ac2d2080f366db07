"""The busiest REST routes served as plain ASGI, ahead of FastAPI's routing, middleware and responses.

``GET /v1/chatkit/threads`` and ``POST /v1/chatkit/sessions`` are what integrations call per page view and
per chat start. Through FastAPI each pays for a ``Request``, dependency resolution, a ``Response`` object
and several middleware layers before and after its own work; an empty FastAPI route reaches under a third
of a bare ASGI endpoint's rate on uvicorn (``bench/RESULTS.md``). Here a hot endpoint is a coroutine
``(context, scope, receive) -> JSON bytes`` that raises :class:`~chatkit_host.server.errors.APIError` to fail; the
same coroutine is also mounted as an ordinary FastAPI route (``as_route``), so ``/openapi.json`` and ``HEAD``
describe and reach the same code.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import APIError, error_body, render

logger = logging.getLogger(__name__)

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


class HotRoutesApp(FastAPI):
    """FastAPI, with ``hot_routes`` answered before any of its per-request machinery runs.

    ``__call__`` is the one entry point an ASGI server calls, so overriding it (public API, not an
    internal) puts these routes ahead of ``FastAPI.__call__``, Starlette's app and every middleware layer
    (server errors, FastAPI's telemetry and body limit, CORS): together ~11% of a hot request's CPU in a
    py-spy profile. What those layers do for a hot route is done here: API errors become their envelope,
    anything else is logged and answered with the 500 envelope (not re-raised: the connection stays open, as
    ``last_resort.py`` does for the other routes).
    """

    def __init__(self, *, hot_routes: Mapping[tuple[str, str], HotEndpoint], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hot_routes = dict(hot_routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.hot_routes.get((scope["method"], route_path(scope)))
            if endpoint is not None:
                await self._serve_hot(endpoint, scope, receive, send)
                return
        await super().__call__(scope, receive, send)

    async def _serve_hot(self, endpoint: HotEndpoint, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await endpoint(self.state.context, scope, receive)
        except APIError as exc:
            body = render(exc)
            await send(_start(exc.status, body, exc.headers()))
        except ClientDisconnect:
            return
        except Exception:
            logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            body = error_body("The server had an error while processing your request.", "server_error")
            await send(_start(500, body))
            await send({"type": "http.response.body", "body": body})
            return  # answered: not re-raised, so the server keeps the connection (see last_resort.py)
        else:
            await send(_start(200, body))
        await send({"type": "http.response.body", "body": body})


def as_route(endpoint: HotEndpoint) -> Callable[[Request], Awaitable[Response]]:
    """The same endpoint as an ordinary FastAPI route: ``HEAD`` and ``/openapi.json`` reach and describe it."""

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
