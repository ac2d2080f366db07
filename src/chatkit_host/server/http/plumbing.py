"""Small helpers every route uses: the app context, JSON in and out, admin authentication, list paging."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, Literal, TypeVar, get_args, get_origin

import annotated_types
import orjson
from fastapi import Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import QueryParams
from starlette.requests import ClientDisconnect
from starlette.types import Receive

from chatkit_host.server import ids
from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import AuthenticationFailed, BadRequest, PayloadTooLarge, UnsupportedMediaType

M = TypeVar("M", bound=BaseModel)


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")


def bearer_value(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer TOKEN`` header value, or None."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def bearer_token(request: Request) -> str | None:
    return bearer_value(request.headers.get("authorization"))


def authenticate_admin(context: AppContext, authorization: str | None) -> None:
    """Admin API key in ``Authorization: Bearer``; a session's client secret is not one."""
    token = bearer_value(authorization)
    if token is None:
        raise AuthenticationFailed(
            "You didn't provide an API key. Send it as 'Authorization: Bearer YOUR_KEY'.",
            code="missing_api_key",
        )
    if not context.admin_keys.check(token):
        raise AuthenticationFailed("Incorrect API key provided.", code="invalid_api_key")


async def require_admin(request: Request) -> AppContext:
    # A coroutine, so that FastAPI does not send this dependency to its thread pool.
    context = get_context(request)
    authenticate_admin(context, request.headers.get("authorization"))
    return context


AdminContext = Annotated[AppContext, Depends(require_admin)]


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


def check_json_media_type(content_type: str | None) -> None:
    """415 unless the body is declared as JSON (or not declared at all), checked before reading it."""
    media_type = (content_type or "application/json").split(";")[0].strip().lower()
    if media_type and media_type != "application/json" and not media_type.endswith("+json"):
        raise UnsupportedMediaType(f"Expected a JSON body (application/json), got '{media_type}'.")


def decode_json(body: bytes) -> Any:
    if not body:
        raise BadRequest("The request body is empty; expected a JSON object.")
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}.", code="invalid_json") from exc


async def read_json(request: Request, max_bytes: int) -> Any:
    check_json_media_type(request.headers.get("content-type"))
    return decode_json(await read_body(request, max_bytes))


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


#: The paging parameters of a list route, as FastAPI query parameters.
Paging = Annotated[ListParams, Query()]


def check_cursors(after: str | None, before: str | None, prefix: str) -> None:
    """400 for a cursor that is not a well-formed id of the listed kind (a deleted object's id still works)."""
    for name, value in (("after", after), ("before", before)):
        if value is not None and not ids.is_valid(value, prefix):
            raise BadRequest(f"Invalid '{name}': '{value}' is not a {prefix}_ id.", param=name, code="invalid_cursor")


def check_cursor(params: ListParams, prefix: str) -> None:
    check_cursors(params.after, params.before, prefix)


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


@lru_cache(maxsize=64)
def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    return {name: field.get_default(call_default_factory=True) for name, field in model.model_fields.items()}


def _quick_query(model: type[BaseModel], raw: bytes) -> dict[str, Any] | None:
    """The values of a plain query string (no escapes, no blank or repeated names), or None to do it fully.

    Such a string decodes to itself, so splitting it is all Starlette's parsing would do; a value is taken
    only if pydantic would take it unchanged, so anything else still fails with pydantic's exact error.
    """
    checks = _quick_checks(model)
    if checks is None:
        return None
    values = _defaults(model).copy()
    if raw:
        text = raw.decode("latin-1")
        if not _PLAIN_QUERY.fullmatch(text):
            return None
        seen: set[str] = set()
        for part in text.split("&"):
            name, _, value = part.partition("=")
            check = checks.get(name)
            if check is None:
                continue
            if name in seen:
                return None
            seen.add(name)
            try:
                values[name] = check(value)
            except _Unsure:
                return None
    return values


def query_values(model: type[BaseModel], query_string: bytes) -> dict[str, Any]:
    """Every field of ``model`` (defaults filled in) from a raw query string, validated by ``model``.

    Values, not a model instance: this runs on the hottest routes, where building the instance would cost
    more than parsing. Failures are the 400 that FastAPI's own query validation gives.
    """
    quick = _quick_query(model, query_string)
    if quick is not None:
        return quick
    params = QueryParams(query_string)
    try:
        parsed = model.model_validate({name: params[name] for name in model.model_fields if name in params})
    except ValidationError as exc:
        raise validation_to_bad_request(exc) from exc
    return parsed.model_dump()


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
