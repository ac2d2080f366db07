"""Small helpers every route uses: the app context, JSON in and out, admin authentication, list paging."""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

import orjson
from fastapi import Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ValidationError

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


def require_admin(request: Request) -> AppContext:
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


AdminContext = Annotated[AppContext, Depends(require_admin)]


async def read_json(request: Request, max_bytes: int) -> Any:
    content_type = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if content_type and content_type != "application/json" and not content_type.endswith("+json"):
        raise UnsupportedMediaType(f"Expected a JSON body (application/json), got '{content_type}'.")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise PayloadTooLarge(f"The request body is larger than {max_bytes} bytes.")
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
    limit: int
    order: Literal["asc", "desc"]
    after: str | None
    before: str | None


def list_params(
    limit: Annotated[int, Query(ge=0, le=100, description="Maximum number of objects to return.")] = 20,
    order: Annotated[Literal["asc", "desc"], Query(description="Sort order by creation time.")] = "desc",
    after: Annotated[str | None, Query(description="Return objects after this id in the list order.")] = None,
    before: Annotated[str | None, Query(description="Return objects before this id in the list order.")] = None,
) -> ListParams:
    return ListParams(limit=limit, order=order, after=after, before=before)


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
