"""The chatkit-host Python SDK: ``ChatKitHost`` (sync) and ``AsyncChatKitHost``, pages and errors."""

from chatkit_host.client._base import RetryNotice
from chatkit_host.client._client import AsyncChatKitHost, ChatKitHost
from chatkit_host.client.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ChatKitHostError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    UnprocessableEntityError,
)
from chatkit_host.client.pagination import AsyncPage, AsyncPaginator, SyncPage

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncChatKitHost",
    "AsyncPage",
    "AsyncPaginator",
    "AuthenticationError",
    "BadRequestError",
    "ChatKitHost",
    "ChatKitHostError",
    "ConflictError",
    "InternalServerError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "RetryNotice",
    "StreamError",
    "SyncPage",
    "UnprocessableEntityError",
]
