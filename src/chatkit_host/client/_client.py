"""``ChatKitHost`` and ``AsyncChatKitHost``: the clients, each a thin driver of the shared core."""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import TracebackType
from typing import Self, TypeVar

import anyio
import httpx

from chatkit_host.client._base import DEFAULT_MAX_RETRIES, Call, Core, Flow, Outcome, RetryHook, Send, Sleep
from chatkit_host.client.resources.chatkit import AsyncChatKit, ChatKit

T = TypeVar("T")


class Beta:
    """``client.beta.chatkit`` is ``client.chatkit``, so code written for ``openai`` ports unchanged."""

    def __init__(self, chatkit: ChatKit) -> None:
        self.chatkit = chatkit


class AsyncBeta:
    """``client.beta.chatkit`` is ``client.chatkit``, so code written for ``openai`` ports unchanged."""

    def __init__(self, chatkit: AsyncChatKit) -> None:
        self.chatkit = chatkit


class ChatKitHost:
    """The sync client.

    ``base_url`` is the server's root (a trailing ``/v1`` is accepted); it defaults to ``CHATKIT_HOST_BASE_URL``.
    ``api_key`` defaults to ``CHATKIT_HOST_API_KEY``, else (for a loopback server) the key ``serve`` wrote to
    ``./.chatkit-host/admin_api_key`` (``$CHATKIT_HOST_DATA_DIR/admin_api_key``). Failed requests are retried
    ``max_retries`` times on connection errors, 408, 429 and 5xx with exponential backoff and jitter,
    honouring ``Retry-After``; ``on_retry`` is called with a :class:`RetryNotice` before each wait. ``transport``
    replaces httpx's network transport (e.g. for tests); ``http_client`` brings a configured ``httpx.Client``
    (proxies, certificates), which ``close`` leaves open.
    """

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
        http_client: httpx.Client | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        if transport is not None and http_client is not None:
            raise ValueError("pass transport or http_client, not both")
        self._core = Core(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            on_retry=on_retry,
        )
        #: Only a client this object created is closed by it; a given or shared one belongs to someone else.
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport)
        self.chatkit = ChatKit(self)
        self.beta = Beta(self.chatkit)

    def with_options(
        self,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> ChatKitHost:
        """A client with some settings changed that shares this one's connections (e.g. for one call)."""
        return ChatKitHost(
            base_url=self._core.base_url,
            api_key=api_key or self._core.api_key,
            timeout=self._core.timeout if timeout is None else timeout,
            max_retries=self._core.max_retries if max_retries is None else max_retries,
            default_headers={**self._core.default_headers, **(default_headers or {})},
            http_client=self._http,
            on_retry=self._core.on_retry,
        )

    @property
    def base_url(self) -> httpx.URL:
        return self._core.base_url

    @property
    def api_key(self) -> str | None:
        return self._core.api_key

    @property
    def api_key_source(self) -> str | None:
        """Where ``api_key`` came from: ``"argument"``, ``"environment"``, a key file's path, or None."""
        return self._core.found_key.source

    def run(self, call: Call[T]) -> T:
        """Send one call (with retries) and return its parsed answer."""
        return self._drive(self._core.flow(self._http, call))

    def open_stream(self, call: Call[object]) -> httpx.Response:
        """Send ``call`` (with retries) and return the response with its body unread; close it when done."""
        return self._drive(self._core.send(self._http, call, stream=True))

    def _drive(self, flow: Flow[T]) -> T:
        outcome: Outcome = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                result: T = done.value
                return result
            outcome = None
            if isinstance(step, Sleep):
                time.sleep(step.seconds)
            else:
                outcome = self._send(step)

    def _send(self, step: Send) -> httpx.Response | httpx.TransportError:
        try:
            response = self._http.send(step.request, stream=step.stream)
            if step.stream and not response.is_success:
                response.read()
                response.close()
            return response
        except httpx.TransportError as exc:
            return exc

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class AsyncChatKitHost:
    """The async client; the same options as :class:`ChatKitHost`."""

    def __init__(
        self,
        *,
        base_url: str | httpx.URL | None = None,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        default_headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        http_client: httpx.AsyncClient | None = None,
        on_retry: RetryHook | None = None,
    ) -> None:
        if transport is not None and http_client is not None:
            raise ValueError("pass transport or http_client, not both")
        self._core = Core(
            base_url=base_url,
            api_key=api_key,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
            on_retry=on_retry,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport)
        self.chatkit = AsyncChatKit(self)
        self.beta = AsyncBeta(self.chatkit)

    def with_options(
        self,
        *,
        api_key: str | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        default_headers: Mapping[str, str] | None = None,
    ) -> AsyncChatKitHost:
        """A client with some settings changed that shares this one's connections (e.g. for one call)."""
        return AsyncChatKitHost(
            base_url=self._core.base_url,
            api_key=api_key or self._core.api_key,
            timeout=self._core.timeout if timeout is None else timeout,
            max_retries=self._core.max_retries if max_retries is None else max_retries,
            default_headers={**self._core.default_headers, **(default_headers or {})},
            http_client=self._http,
            on_retry=self._core.on_retry,
        )

    @property
    def base_url(self) -> httpx.URL:
        return self._core.base_url

    @property
    def api_key(self) -> str | None:
        return self._core.api_key

    @property
    def api_key_source(self) -> str | None:
        """Where ``api_key`` came from: ``"argument"``, ``"environment"``, a key file's path, or None."""
        return self._core.found_key.source

    async def run(self, call: Call[T]) -> T:
        """Send one call (with retries) and return its parsed answer."""
        return await self._drive(self._core.flow(self._http, call))

    async def open_stream(self, call: Call[object]) -> httpx.Response:
        """Send ``call`` (with retries) and return the response with its body unread; close it when done."""
        return await self._drive(self._core.send(self._http, call, stream=True))

    async def _drive(self, flow: Flow[T]) -> T:
        outcome: Outcome = None
        while True:
            try:
                step = flow.send(outcome)
            except StopIteration as done:
                result: T = done.value
                return result
            outcome = None
            if isinstance(step, Sleep):
                await anyio.sleep(step.seconds)
            else:
                outcome = await self._send(step)

    async def _send(self, step: Send) -> httpx.Response | httpx.TransportError:
        try:
            response = await self._http.send(step.request, stream=step.stream)
            if step.stream and not response.is_success:
                await response.aread()
                await response.aclose()
            return response
        except httpx.TransportError as exc:
            return exc

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
