"""Errors the server raises, and the one function that renders them.

    HTTPError (500, api_error)
    ├── BadRequest (400, invalid_request_error)
    │   └── ThreadInputRefused (400): a locked or closed thread
    ├── AuthenticationFailed (401, invalid_request_error)
    ├── PermissionDenied (403, invalid_request_error)
    ├── NotFound (404, invalid_request_error)
    ├── MethodNotAllowed (405, invalid_request_error)
    ├── Conflict (409, invalid_request_error)
    ├── PayloadTooLarge (413, invalid_request_error)
    ├── UnsupportedMediaType (415, invalid_request_error)
    ├── RateLimited (429, rate_limit_exceeded; carries retry_after seconds)
    └── UpstreamFailed (502, api_error): a model provider chatkit-host called failed

Every error leaves the server as OpenAI's envelope ``{"error": {"message", "type", "param", "code"}}``,
built only by :func:`error_body`, so the official SDKs map the status onto their exception classes.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson


class HTTPError(Exception):
    """Base of every error the server answers with a status and OpenAI's envelope; unexpected failures render as this.

    Named apart from the SDK's ``chatkit_host.APIError`` (what a client raises on such an answer).
    """

    status: ClassVar[int] = 500
    error_type: ClassVar[str] = "api_error"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code

    def headers(self) -> dict[str, str]:
        return {}


class BadRequest(HTTPError):
    """The request is malformed or a value is out of range."""

    status = 400
    error_type = "invalid_request_error"


class ThreadInputRefused(BadRequest):
    """The thread is locked or closed and takes no new input."""


class AuthenticationFailed(HTTPError):
    """No credential, or one that is unknown, expired or cancelled."""

    status = 401
    error_type = "invalid_request_error"


class PermissionDenied(HTTPError):
    """The credential is valid but not for this operation."""

    status = 403
    error_type = "invalid_request_error"


class NotFound(HTTPError):
    """No such object, or one the caller may not see."""

    status = 404
    error_type = "invalid_request_error"


class MethodNotAllowed(HTTPError):
    """The path exists but not with this HTTP method."""

    status = 405
    error_type = "invalid_request_error"


class Conflict(HTTPError):
    """The request conflicts with the object's current state."""

    status = 409
    error_type = "invalid_request_error"


class PayloadTooLarge(HTTPError):
    """The body or upload is larger than allowed."""

    status = 413
    error_type = "invalid_request_error"


class UnsupportedMediaType(HTTPError):
    """The body is not in a content type this endpoint reads."""

    status = 415
    error_type = "invalid_request_error"


class UpstreamFailed(HTTPError):
    """A model provider this server called on the caller's behalf failed or could not be reached."""

    status = 502
    error_type = "api_error"


class RateLimited(HTTPError):
    """The session used up its requests for the current window."""

    status = 429
    error_type = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: int, code: str | None = "rate_limit_exceeded") -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


def error_body(message: str, error_type: str, param: str | None = None, code: str | None = None) -> bytes:
    """The JSON bytes of OpenAI's error envelope; the only producer of error bodies."""
    payload: dict[str, Any] = {"error": {"message": message, "type": error_type, "param": param, "code": code}}
    return orjson.dumps(payload)


def render(error: HTTPError) -> bytes:
    return error_body(error.message, error.error_type, error.param, error.code)


#: The 0.1 name of :class:`HTTPError`, kept for one release (it collided with the SDK's ``chatkit_host.APIError``).
APIError = HTTPError
