"""The endpoint table: each REST route declared once, served by FastAPI and, if ``fast``, by the fast lane.

An :class:`Endpoint` names its method and path, its inputs (path parameters, a query model, a body model),
its response type, whether it needs the admin key, and whether it takes the fast lane. From that one entry:

- :func:`endpoint_router` registers it with FastAPI (plus ``HEAD`` for a ``GET``, as Starlette's own routes
  do), so ``/openapi.json`` documents the real inputs and response and every other request reaches it;
- :class:`FastLane`, an ASGI wrapper around the FastAPI app, answers ``fast`` endpoints before any of
  FastAPI's per-request machinery runs.

Both lanes call :func:`answer`, the one place that authenticates, parses the query (the quick parser of
``http/inputs.py``), reads and validates the body, calls the handler and encodes what it returns. A handler
is ``async (context, Args) -> payload`` (bytes, or anything ``orjson`` encodes, or a :class:`Reply` for
another status) and fails by raising :class:`~chatkit_host.server.errors.HTTPError`.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, NamedTuple

import orjson
from fastapi import Body, FastAPI, Path, Query
from fastapi.routing import APIRoute, APIRouter
from pydantic import BaseModel
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import compile_path
from starlette.types import Receive, Scope, Send

from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import HTTPError, error_body, render
from chatkit_host.server.http.asgi import get_context, header, receive_body, route_path, send_json
from chatkit_host.server.http.auth import authenticate_admin
from chatkit_host.server.http.inputs import (
    check_json_media_type,
    check_path_values,
    decode_json,
    parse_model,
    query_values,
)

logger = logging.getLogger(__name__)


class Args(NamedTuple):
    """A request's inputs, already parsed: path parameters, query values (defaults filled in), the body model.

    A named tuple, not a frozen dataclass: built once per request, it costs half as much (timeit: ~1 us less).
    """

    path: Mapping[str, str]
    query: dict[str, Any]
    body: Any


@dataclass(frozen=True, slots=True)
class Reply:
    """A payload answered with a status other than 200."""

    payload: Any
    status: int


Handler = Callable[[AppContext, Args], Awaitable[Any]]


@dataclass(frozen=True)
class Endpoint:
    """One REST route. ``response`` is the documented response type; ``handler.__name__`` names the operation."""

    method: Literal["GET", "POST", "DELETE"]
    path: str
    handler: Handler
    response: Any
    summary: str
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    auth: Literal["admin", "none"] = "admin"
    fast: bool = False
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The fast lane matches whole paths by dictionary look-up: it has no path parameters to extract.
        if self.fast and compile_path(self.path)[2]:
            raise ValueError(f"fast endpoint {self.method} {self.path} has path parameters")

    @property
    def path_params(self) -> list[str]:
        return list(compile_path(self.path)[2])


_EMPTY: dict[str, Any] = {}


async def answer(
    endpoint: Endpoint, context: AppContext, scope: Scope, receive: Receive, path: Mapping[str, str]
) -> tuple[int, bytes]:
    """Authenticate, parse the inputs, run the handler: ``(status, JSON body)``, or an ``HTTPError`` raised."""
    if endpoint.auth == "admin":
        authenticate_admin(context, header(scope, b"authorization"))
    if path:
        check_path_values(path)  # no NUL in a path value: no store can hold it (issue 13.4)
    query = query_values(endpoint.query, scope["query_string"]) if endpoint.query is not None else _EMPTY
    body = None
    if endpoint.body is not None:
        check_json_media_type(header(scope, b"content-type"))
        raw = await receive_body(receive, header(scope, b"content-length"), context.settings.max_body_bytes)
        body = parse_model(endpoint.body, decode_json(raw))
    result = await endpoint.handler(context, Args(path, query, body))
    status = 200
    if isinstance(result, Reply):
        status, result = result.status, result.payload
    return status, result if isinstance(result, bytes) else orjson.dumps(result)


class _Documented:
    """What FastAPI inspects to document an endpoint: a signature made of its declared inputs.

    FastAPI never calls it (:class:`EndpointRoute` brings its own handler); declaring the inputs this way
    lets FastAPI's own schema generation describe path and query parameters, the request body and the
    response, where hand-written ``openapi_extra`` used to.
    """

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.__doc__ = None  # FastAPI would publish a docstring as the description; handlers' are for us
        parameters = [
            inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[str, Path()])
            for name in endpoint.path_params
        ]
        if endpoint.query is not None:
            annotation: Any = Annotated[endpoint.query, Query()]
            parameters.append(inspect.Parameter("query", inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
        if endpoint.body is not None:
            annotation = Annotated[endpoint.body, Body()]
            parameters.append(inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=annotation))
        self.__signature__ = inspect.Signature(parameters)

    async def __call__(self, **_: Any) -> None:  # pragma: no cover - never called, see the class docstring
        raise AssertionError("EndpointRoute answers with its own handler")


class EndpointRoute(APIRoute):
    """A FastAPI route documented from its :class:`Endpoint` and answered by :func:`answer`.

    ``get_route_handler`` is FastAPI's hook for a route class's own request handling ("Custom Request and
    APIRoute class" in its docs): FastAPI keeps describing the route, but neither parses nor serialises.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        documented = self.endpoint
        assert isinstance(documented, _Documented)
        endpoint = documented.endpoint
        head_only = "HEAD" in (self.methods or ())

        async def handle(request: Request) -> Response:
            status, body = await answer(
                endpoint, get_context(request), request.scope, request.receive, request.path_params
            )
            if head_only:
                headers = {"content-type": "application/json", "content-length": str(len(body))}
                return Response(status_code=status, headers=headers)
            return Response(body, status_code=status, media_type="application/json")

        return handle


def endpoint_router(endpoints: Iterable[Endpoint]) -> APIRouter:
    """FastAPI routes for the table: each endpoint, and ``HEAD`` (undocumented) beside each ``GET``."""
    router = APIRouter(route_class=EndpointRoute)
    for endpoint in endpoints:
        documented = _Documented(endpoint)
        common: dict[str, Any] = {"name": endpoint.handler.__name__, "response_model": endpoint.response}
        router.add_api_route(
            endpoint.path,
            documented,
            methods=[endpoint.method],
            summary=endpoint.summary,
            tags=list(endpoint.tags),
            **common,
        )
        if endpoint.method == "GET":
            router.add_api_route(endpoint.path, documented, methods=["HEAD"], include_in_schema=False, **common)
    return router


class FastLane:
    """ASGI wrapper answering the table's ``fast`` endpoints ahead of the FastAPI app it wraps.

    ``GET /v1/chatkit/threads`` and ``POST /v1/chatkit/sessions`` are what integrations call per page view
    and per chat start. Through FastAPI each pays for a ``Request``, dependency resolution, a ``Response``
    object and several middleware layers (server errors, telemetry, body limit, CORS: ~11% of a hot
    request's CPU in a py-spy profile); an empty FastAPI route reaches under a third of a bare ASGI
    endpoint's rate on uvicorn (``bench/RESULTS.md``). Here a fast request costs a dictionary look-up on
    ``(method, route path)`` and :func:`answer`; everything else goes to the wrapped app untouched.

    What those layers do for a fast route is done here: API errors become their envelope, anything else is
    logged and answered with the 500 envelope (not re-raised: the connection stays open, as ``last_resort.py``
    does for the other routes).
    """

    def __init__(self, app: FastAPI, endpoints: Iterable[Endpoint]) -> None:
        self.app = app
        self.routes: dict[tuple[str, str], Endpoint] = {}
        for endpoint in endpoints:
            if endpoint.fast:
                self.routes[(endpoint.method, endpoint.path)] = endpoint
                if endpoint.method == "GET":
                    self.routes[("HEAD", endpoint.path)] = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.routes.get((scope["method"], route_path(scope)))
            if endpoint is not None:
                await self._serve(endpoint, scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _serve(self, endpoint: Endpoint, scope: Scope, receive: Receive, send: Send) -> None:
        head = scope["method"] == "HEAD"
        try:
            status, body = await answer(endpoint, self.app.state.context, scope, receive, _EMPTY)
        except HTTPError as exc:
            await send_json(send, exc.status, render(exc), exc.headers(), head=head)
        except ClientDisconnect:
            return
        except Exception:
            logger.exception("unhandled error in %s %s", scope["method"], scope["path"])
            body = error_body("The server had an error while processing your request.", "server_error")
            await send_json(send, 500, body, head=head)
            return  # answered: not re-raised, so the server keeps the connection (see last_resort.py)
        else:
            await send_json(send, status, body, head=head)
