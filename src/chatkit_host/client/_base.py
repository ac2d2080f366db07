"""The transport-free core shared by the sync and the async client.

A request is described once as a :class:`Call`; :meth:`Core.flow` turns it into a generator that yields
what to do next (send this request, sleep this long) and receives what happened. The sync and the async
client each drive that generator with their own httpx client in a few lines, so retries, headers, error
mapping and parsing exist exactly once.
"""

from __future__ import annotations

import email.utils
import os
import random
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import httpx
import pydantic

from chatkit_host._version import __version__
from chatkit_host.client._credentials import FoundKey, find_api_key
from chatkit_host.client.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    status_error,
)

T = TypeVar("T")

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
BASE_URL_ENV = "CHATKIT_HOST_BASE_URL"
#: OpenAI's hosted ChatKit API requires this header; chatkit-host accepts it.
BETA_HEADER = ("OpenAI-Beta", "chatkit_beta=v1")

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
#: A server asking for a longer pause than this is not waited for; the error is raised instead.
MAX_RETRY_AFTER = 60.0
RETRY_STATUSES = frozenset({408, 429})

QueryValue = str | int | None


@dataclass(frozen=True)
class Call(Generic[T]):
    """One API operation: what to send and how to read the answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, QueryValue] = field(default_factory=dict)
    json: Any = None
    #: Headers for this call only (e.g. a session's client secret instead of the API key).
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Send:
    request: httpx.Request
    #: Leave the body unread on success, for server-sent events; error bodies are always read.
    stream: bool = False


@dataclass(frozen=True)
class Sleep:
    seconds: float


@dataclass(frozen=True)
class RetryNotice:
    """Told to ``on_retry`` before the client waits to retry a request (e.g. so a CLI can say it is waiting)."""

    #: 1 for the first retry of this request.
    attempt: int
    #: Seconds the client is about to wait.
    delay: float
    #: The status that caused the retry (429, 503, ...), or ``None`` when no response came (connection error).
    status_code: int | None
    request: httpx.Request


RetryHook = Callable[[RetryNotice], None]


Step = Send | Sleep
#: What the driver sends back after a :class:`Send`: the response (body read) or the transport failure.
Outcome = httpx.Response | httpx.TransportError | None
Flow = Generator[Step, Outcome, T]


def resolve_base_url(base_url: str | httpx.URL | None) -> httpx.URL:
    """The server root. A trailing ``/v1`` (habit from ``openai``'s base_url) is accepted and dropped."""
    raw = str(base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")
    if raw.endswith("/v1"):
        raw = raw[: -len("/v1")]
    return httpx.URL(raw + "/")


def retry_after(response: httpx.Response) -> float | None:
    """Seconds the server asked to wait (``retry-after-ms``, ``Retry-After`` seconds or HTTP date)."""
    millis = response.headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    header = response.headers.get("retry-after")
    if not header:
        return None
    try:
        return float(header)
    except ValueError:
        pass
    try:
        return email.utils.parsedate_to_datetime(header).timestamp() - time.time()
    except (TypeError, ValueError):
        return None


def backoff(attempt: int, rng: random.Random) -> float:
    """Exponential backoff with jitter, so many clients retrying at once spread out."""
    delay: float = min(INITIAL_RETRY_DELAY * (2.0**attempt), MAX_RETRY_DELAY)
    return delay * (1 - 0.25 * rng.random())


def should_retry(response: httpx.Response) -> bool:
    header: str | None = response.headers.get("x-should-retry")
    if header in ("true", "false"):
        return header == "true"
    status: int = response.status_code
    return status in RETRY_STATUSES or status >= 500


class Core:
    """Settings every client shares, and the request flow."""

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None,
        api_key: str | None,
        timeout: float | httpx.Timeout | None,
        max_retries: int,
        default_headers: Mapping[str, str] | None,
        on_retry: RetryHook | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.base_url = resolve_base_url(base_url)
        self.found_key: FoundKey = find_api_key(api_key, self.base_url)
        self.api_key = self.found_key.key
        self.on_retry = on_retry
        self.timeout = DEFAULT_TIMEOUT if timeout is None else httpx.Timeout(timeout)
        self.max_retries = max_retries
        self.default_headers = dict(default_headers or {})
        self.rng = random.Random()

    def headers(self) -> dict[str, str]:
        headers = {
            "Accept": "application/json",
            "User-Agent": f"chatkit-host-python/{__version__}",
            BETA_HEADER[0]: BETA_HEADER[1],
        }
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(self.default_headers)
        return headers

    def build_request(self, http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
        params = {key: value for key, value in call.params.items() if value is not None}
        # URL, headers and timeout come from here, not from the httpx client, so that clients made by
        # ``with_options`` or given an ``http_client`` share one connection pool with their own settings.
        return http.build_request(
            call.method,
            self.base_url.join(call.path.lstrip("/")),
            params=params,
            json=call.json,
            headers={**self.headers(), **call.headers},
            timeout=self.timeout,
        )

    def flow(self, http: httpx.Client | httpx.AsyncClient, call: Call[T]) -> Flow[T]:
        """Send ``call`` with retries; returns the parsed answer or raises the matching error."""
        response = yield from self.send(http, call)
        try:
            body = response.json() if response.content else None
        except ValueError as exc:
            raise APIResponseValidationError(response, response.text, "The response is not JSON.") from exc
        try:
            return call.parse(body)
        except pydantic.ValidationError as exc:
            raise APIResponseValidationError(response, body, f"Unexpected response body: {exc}") from exc

    def send(
        self, http: httpx.Client | httpx.AsyncClient, call: Call[Any], *, stream: bool = False
    ) -> Flow[httpx.Response]:
        """Send with retries; returns a successful response or raises. Streaming callers use this too."""
        request = self.build_request(http, call)
        attempt = 0
        while True:
            outcome = yield Send(request, stream)
            retries_left = self.max_retries - attempt
            status: int | None = None
            if isinstance(outcome, httpx.TransportError):
                if retries_left <= 0:
                    if isinstance(outcome, httpx.TimeoutException):
                        raise APITimeoutError(request) from outcome
                    raise APIConnectionError(request) from outcome
                delay = backoff(attempt, self.rng)
            elif outcome is None:  # pragma: no cover - drivers always answer a Send
                raise RuntimeError("the driver answered a Send with nothing")
            elif outcome.is_success:
                return outcome
            elif retries_left > 0 and should_retry(outcome):
                status = outcome.status_code
                asked = retry_after(outcome)
                delay = asked if asked is not None and 0 <= asked <= MAX_RETRY_AFTER else backoff(attempt, self.rng)
            else:
                raise status_error(outcome)
            attempt += 1
            if self.on_retry is not None:
                self.on_retry(RetryNotice(attempt=attempt, delay=delay, status_code=status, request=request))
            yield Sleep(delay)
