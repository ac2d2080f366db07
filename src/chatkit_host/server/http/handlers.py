"""Exception handlers: every failure leaves as OpenAI's error envelope, never as a bare 500 page."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import ValidationError
from starlette.exceptions import HTTPException

from chatkit_host.server.errors import HTTPError, error_body, render
from chatkit_host.server.http.inputs import param_path

logger = logging.getLogger(__name__)

_STATUS_TYPES = {401: "invalid_request_error", 429: "rate_limit_exceeded"}


def _response(body: bytes, status: int, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status_code=status, media_type="application/json", headers=headers)


async def handle_api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPError)
    return _response(render(exc), exc.status, exc.headers())


async def handle_validation_error(_request: Request, exc: Exception) -> Response:
    errors = exc.errors() if isinstance(exc, RequestValidationError | ValidationError) else []
    if not errors:
        return _response(error_body("Invalid request.", "invalid_request_error"), 400)
    first = errors[0]
    loc = tuple(p for p in first["loc"] if p not in ("query", "path", "body", "header"))
    param = param_path(loc)
    if first["type"] == "json_invalid":
        message, code = "The request body is not valid JSON.", "invalid_json"
    else:
        message, code = f"Invalid value for '{param}': {first['msg']}.", "invalid_value"
    return _response(error_body(message, "invalid_request_error", param, code), 400)


async def handle_http_exception(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        message = "Unknown path. See /openapi.json for the paths this server answers."
    elif status == 405:
        message = "Method not allowed for this path."
    else:
        message = str(exc.detail)
    return _response(
        error_body(message, _STATUS_TYPES.get(status, "invalid_request_error")),
        status,
        dict(exc.headers or {}),
    )


async def handle_unexpected(_request: Request, exc: Exception) -> Response:
    logger.exception("unhandled error", exc_info=exc)
    return _response(error_body("The server had an error while processing your request.", "server_error"), 500)


#: For ``FastAPI(exception_handlers=...)``.
EXCEPTION_HANDLERS: dict[int | type[Exception], Callable[[Request, Any], Coroutine[Any, Any, Response]]] = {
    HTTPError: handle_api_error,
    RequestValidationError: handle_validation_error,
    HTTPException: handle_http_exception,
    Exception: handle_unexpected,
}
