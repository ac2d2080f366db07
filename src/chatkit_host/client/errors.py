"""Errors the SDK raises, one class per HTTP status the API uses.

    ChatKitHostError
    ├── APIError: a request failed; carries the envelope's message, type, param, code
    │   ├── APIConnectionError: no response (refused, reset, DNS)
    │   │   └── APITimeoutError: the request timed out
    │   ├── APIResponseValidationError: a 2xx response whose body is not the expected type
    │   └── APIStatusError: the server answered 4xx/5xx; also for statuses without their own class
    │       ├── BadRequestError (400)
    │       ├── AuthenticationError (401)
    │       ├── PermissionDeniedError (403)
    │       ├── NotFoundError (404)
    │       ├── ConflictError (409)
    │       ├── UnprocessableEntityError (422)
    │       ├── RateLimitError (429)
    │       └── InternalServerError (>= 500)
    └── StreamError: the runtime reported an error inside a response stream

The names and the envelope fields are those of the ``openai`` package, so ``except`` clauses port as they are.
These are the client's classes; the server's own error tree is ``chatkit_host.server.errors``.
"""

from __future__ import annotations

from typing import Any

import httpx


class ChatKitHostError(Exception):
    """Base of every error the SDK raises."""


class APIError(ChatKitHostError):
    """A request to the API failed."""

    def __init__(
        self,
        message: str,
        request: httpx.Request,
        *,
        body: object | None = None,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.request = request
        self.body = body
        self.type = type
        self.param = param
        self.code = code


class APIConnectionError(APIError):
    """The server could not be reached, or the connection broke before a response."""

    def __init__(self, request: httpx.Request, message: str = "Connection error.") -> None:
        super().__init__(message, request)


class APITimeoutError(APIConnectionError):
    """The request timed out."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__(request, "Request timed out.")


class APIResponseValidationError(APIError):
    """The server answered with a success status but a body that is not the documented type."""

    def __init__(self, response: httpx.Response, body: object, message: str) -> None:
        super().__init__(message, response.request, body=body)
        self.response = response
        self.status_code = response.status_code


class APIStatusError(APIError):
    """The server answered with a 4xx or 5xx status."""

    status_code: int

    def __init__(self, message: str, response: httpx.Response, *, body: object | None = None) -> None:
        error = body.get("error") if isinstance(body, dict) else None
        fields: dict[str, Any] = error if isinstance(error, dict) else {}
        super().__init__(
            message,
            response.request,
            body=body,
            type=_str_or_none(fields.get("type")),
            param=_str_or_none(fields.get("param")),
            code=_str_or_none(fields.get("code")),
        )
        self.response = response
        self.status_code = response.status_code
        self.request_id = response.headers.get("x-request-id")


class BadRequestError(APIStatusError):
    """400: the request is malformed or a value is out of range."""


class AuthenticationError(APIStatusError):
    """401: no API key, or a wrong, expired or cancelled one."""


class PermissionDeniedError(APIStatusError):
    """403: the key is valid but not for this operation."""


class NotFoundError(APIStatusError):
    """404: no such object."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the object's current state."""


class UnprocessableEntityError(APIStatusError):
    """422: the request is well-formed but cannot be processed."""


class RateLimitError(APIStatusError):
    """429: too many requests; retried automatically, raised when the retries are used up."""


class InternalServerError(APIStatusError):
    """5xx: the server failed; retried automatically, raised when the retries are used up."""


class StreamError(ChatKitHostError):
    """The runtime sent an ``error`` event in a response stream."""

    def __init__(self, message: str, *, code: str | None = None, allow_retry: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.allow_retry = allow_retry


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def status_error(response: httpx.Response) -> APIStatusError:
    """The exception for an error response, with the fields of OpenAI's envelope when the body has one."""
    try:
        body: object = response.json()
    except ValueError:
        body = response.text or None
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if not isinstance(message, str) or not message:
        message = f"Error code: {response.status_code}" + (f" - {body}" if body else "")
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    return cls(message, response, body=body)
