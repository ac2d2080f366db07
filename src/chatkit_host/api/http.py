"""Small helpers every route uses: the app context, JSON in and out, admin authentication, list paging."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import annotated_types
import orjson
from fastapi import Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field, ValidationError
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from chatkit_host import ids
from chatkit_host.context import AppContext
from chatkit_host.errors import AuthenticationFailed, BadRequest, PayloadTooLarge, UnsupportedMediaType

M = TypeVar("M", bound=BaseModel)


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def check_admin(request: Request) -> AppContext:
    """Admin API key in ``Authorization: Bearer``; a session's client secret is not one."""
    context = get_context(request)
    token = bearer_token(request)
    if token is None:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.",
            code="missing_api_key",
        )
    if not context.admin_keys.check(token):
        raise AuthenticationFailed("Incorrect API key provided.", code="invalid_api_key")
    return context


async def require_admin(request: Request) -> AppContext:
    # A coroutine, so that FastAPI does not send this dependency to its thread pool.
    return check_admin(request)


AdminContext = Annotated[AppContext, Depends(require_admin)]


async def read_body(request: Request, max_bytes: int) -> bytes:
    """The whole body, refused as soon as it passes ``max_bytes`` (declared or as it arrives)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    return bytes(body)


async def read_json(request: Request, max_bytes: int) -> Any:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMediaType(f"Expected a JSON body (application/json), got '{content_type}'.")
    body = await read_body(request, max_bytes)
    if not body:
        raise BadRequest("The request body is empty; expected a JSON object.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.", code="invalid_json") from exc


def param_path(loc: tuple[int | str, ...]) -> str | None:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or None


def validation_to_bad_request(error: ValidationError) -> BadRequest:
    first = error.errors()[0]
    loc = tuple(p for p in first["loc"] if p != "body")
    param = param_path(loc)
    message = first["msg"]
    if first["type"] == "extra_forbidden":
        message = f"Unrecognized request argument supplied: {param}"
    elif first["type"] == "missing":
        message = f"Missing required parameter: '{param}'."
    elif param:
        message = f"Invalid value for '{param}': {message}."
    return BadRequest(
        message,
        param=param,
        code="invalid_value" if first["type"] != "missing" else "missing_required_parameter",
    )


def parse_model(model: type[M], payload: Any) -> M:
    if not isinstance(payload, dict):
        raise BadRequest("The request body must be a JSON object.")
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise validation_to_bad_request(exc) from exc


class ListParams(BaseModel):
    """The paging parameters; routes that parse their query with :func:`parse_query` subclass it."""

    limit: Annotated[int, Field(ge=0, le=100, description="Maximum number of objects to return.")] = 20
    order: Annotated[Literal["asc", "desc"], Field(description="Sort order by creation time.")] = "desc"
    after: Annotated[str | None, Field(description="Return objects after this id in the list order.")] = None
    before: Annotated[str | None, Field(description="Return objects before this id in the list order.")] = None


async def list_params(
    limit: Annotated[int, Query(ge=0, le=100, description="Maximum number of objects to return.")] = 20,
    order: Annotated[Literal["asc", "desc"], Query(description="Sort order by creation time.")] = "desc",
    after: Annotated[str | None, Query(description="Return objects after this id in the list order.")] = None,
    before: Annotated[str | None, Query(description="Return objects before this id in the list order.")] = None,
) -> ListParams:
    # FastAPI has validated each value against the same constraints already.
    return ListParams.model_construct(limit=limit, order=order, after=after, before=before)


Paging = Annotated[ListParams, Depends(list_params)]


def check_cursor(params: ListParams, prefix: str) -> None:
    for name in ("after", "before"):
        value = getattr(params, name)
        if value is not None and not ids.is_valid(value, prefix):
            raise BadRequest(f"Invalid '{name}': '{value}' is not a {prefix}_ id.", param=name, code="invalid_cursor")


def list_body(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }


_PLAIN_QUERY = re.compile(r"[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]+(?:&[A-Za-z0-9_.~-]+=[A-Za-z0-9_.~-]+)*")
_DIGITS = re.compile(r"0|[1-9][0-9]{0,8}")


class _Unsure(Exception):
    """A value the quick check does not vouch for; pydantic decides (and words any error)."""


def _quick_int(low: int | None, high: int | None) -> Callable[[str], Any]:
    def check(value: str) -> int:
        if not _DIGITS.fullmatch(value):
            raise _Unsure
        number = int(value)
        if (low is not None and number < low) or (high is not None and number > high):
            raise _Unsure
        return number

    return check


def _quick_choice(choices: frozenset[str]) -> Callable[[str], Any]:
    def check(value: str) -> str:
        if value not in choices:
            raise _Unsure
        return value

    return check


def _quick_str(min_length: int, max_length: int | None) -> Callable[[str], Any]:
    def check(value: str) -> str:
        if len(value) < min_length or (max_length is not None and len(value) > max_length):
            raise _Unsure
        return value

    return check


@lru_cache(maxsize=64)
def _quick_checks(model: type[BaseModel]) -> dict[str, Callable[[str], Any]] | None:
    """Per field, a check that accepts only values the model would take unchanged; None if a field is unusual."""
    checks: dict[str, Callable[[str], Any]] = {}
    for name, field in model.model_fields.items():
        low: Any = None
        high: Any = None
        max_length: int | None = None
        min_length = 0
        for constraint in field.metadata:
            if isinstance(constraint, annotated_types.Ge):
                low = constraint.ge
            elif isinstance(constraint, annotated_types.Le):
                high = constraint.le
            elif isinstance(constraint, annotated_types.MinLen):
                min_length = constraint.min_length
            elif isinstance(constraint, annotated_types.MaxLen):
                max_length = constraint.max_length
            else:
                return None
        annotation = field.annotation
        if annotation is int:
            checks[name] = _quick_int(low, high)
        elif get_origin(annotation) is Literal and all(isinstance(a, str) for a in get_args(annotation)):
            checks[name] = _quick_choice(frozenset(get_args(annotation)))
        elif annotation is str or set(get_args(annotation)) == {str, type(None)}:
            checks[name] = _quick_str(min_length, max_length)
        else:
            return None
    return checks


def _quick_query(model: type[M], raw: bytes) -> M | None:
    """``model`` from a plain query string (no escapes, no blank or repeated names), or None to do it fully.

    Such a string decodes to itself, so splitting it is all Starlette's parsing would do; a value is taken
    only if pydantic would take it unchanged, so anything else still fails with pydantic's exact error.
    """
    checks = _quick_checks(model)
    if checks is None:
        return None
    values: dict[str, Any] = {}
    if raw:
        text = raw.decode("latin-1")
        if not _PLAIN_QUERY.fullmatch(text):
            return None
        for part in text.split("&"):
            name, _, value = part.partition("=")
            check = checks.get(name)
            if check is None:
                continue
            if name in values:
                return None
            try:
                values[name] = check(value)
            except _Unsure:
                return None
    return model.model_construct(**values)


def parse_query(model: type[M], request: Request) -> M:
    """Query parameters validated by ``model``, failing exactly as FastAPI's own parameter validation does."""
    quick = _quick_query(model, request.scope["query_string"])
    if quick is not None:
        return quick
    params = request.query_params
    try:
        return model.model_validate({name: params[name] for name in model.model_fields if name in params})
    except ValidationError as exc:
        raise RequestValidationError(
            [dict(e) | {"loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
        ) from exc


def query_parameters(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting the query parameters of a route that reads them with :func:`parse_query`."""
    schema = model.model_json_schema()
    parameters = []
    for name, field in schema["properties"].items():
        description = field.pop("description", None)
        parameters.append(
            {"name": name, "in": "query", "required": False, "schema": field}
            | ({"description": description} if description else {})
        )
    return {"parameters": parameters}


Endpoint = Callable[[Request], Awaitable[Response]]
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]
_DIRECT = "chatkit_host_direct"


def direct(endpoint: Endpoint) -> Endpoint:
    """Mark a route's endpoint (one that takes only the request) to be served by :class:`DirectRoutes`."""
    setattr(endpoint, _DIRECT, True)
    return endpoint


class DirectRoutes:
    """ASGI layer that serves the busiest routes without FastAPI's per-request routing and dependencies.

    An endpoint listed here takes only the request and does its own authentication and parsing, so it runs
    the same code whether FastAPI or this layer calls it; FastAPI keeps the route for everything else
    (``HEAD``, other methods, ``/openapi.json``). It wraps the whole middleware stack (``create_app``), so it
    also stands in for Starlette's server-error middleware: errors go to the app's own exception handlers,
    and anything without a specific one gets the ``Exception`` handler's answer and is raised on to the
    server, as that middleware does.
    """

    def __init__(
        self, app: ASGIApp, routes: Sequence[BaseRoute], handlers: Mapping[type[Exception], ErrorHandler]
    ) -> None:
        self.app = app
        self.routes: dict[tuple[str, str], Endpoint] = {
            (method, route.path): route.endpoint
            for route in routes
            if isinstance(route, APIRoute) and getattr(route.endpoint, _DIRECT, False)
            for method in route.methods or ()
            if method != "HEAD"
        }
        self.handlers = {cls: handler for cls, handler in handlers.items() if cls is not Exception}
        self.unexpected = handlers.get(Exception)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = (
            self.routes.get((scope.get("method", ""), scope.get("path", ""))) if scope["type"] == "http" else None
        )
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        except Exception as exc:
            handler = next((self.handlers[c] for c in type(exc).__mro__ if c in self.handlers), None)
            if handler is None:
                if self.unexpected is not None:
                    await (await self.unexpected(request, exc))(scope, receive, send)
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)
