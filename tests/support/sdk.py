"""The SDK under test, once with ``ChatKitHost`` and once with ``AsyncChatKitHost``.

``sdk.call(fn)`` gives ``fn`` a fresh client and awaits what it returns when the client is async;
``sdk.items``/``sdk.pages`` walk pages with ``for``/``async for`` and ``next_page()``. The ``mode`` fixture
(``tests/conftest.py``) picks the client.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from typing import Any

from chatkit_host import AsyncChatKitHost, AsyncPage, ChatKitHost, SyncPage
from tests.support.servers import RunningServer


class SDK:
    """Runs one test body through the sync or the async client."""

    def __init__(self, mode: str, **client_options: Any) -> None:
        self.mode = mode
        self.options = client_options

    def call(self, fn: Callable[[Any], Any]) -> Any:
        if self.mode == "sync":
            with ChatKitHost(**self.options) as client:
                return fn(client)

        async def main() -> Any:
            async with AsyncChatKitHost(**self.options) as client:
                result = fn(client)
                return await result if inspect.isawaitable(result) else result

        return asyncio.run(main())

    def items(self, fn: Callable[[Any], Any]) -> list[Any]:
        """Every object of a list across all pages, with ``for`` or ``async for`` on what ``fn`` returns."""
        if self.mode == "sync":
            return self.call(lambda client: list(fn(client)))

        async def collect(client: Any) -> list[Any]:
            return [item async for item in fn(client)]

        return self.call(collect)

    def pages(self, fn: Callable[[Any], Any]) -> list[tuple[list[Any], bool]]:
        """``(data, has_more)`` of each page, walked with ``next_page()``."""
        if self.mode == "sync":

            def walk(client: Any) -> list[tuple[list[Any], bool]]:
                page: SyncPage[Any] | None = fn(client)
                seen = []
                while page is not None:
                    seen.append((page.data, page.has_more))
                    page = page.next_page()
                return seen

            return self.call(walk)

        async def walk_async(client: Any) -> list[tuple[list[Any], bool]]:
            page: AsyncPage[Any] | None = await fn(client)
            seen = []
            while page is not None:
                seen.append((page.data, page.has_more))
                page = await page.next_page()
            return seen

        return self.call(walk_async)


def sdk_for(server: RunningServer, mode: str, **options: Any) -> SDK:
    return SDK(mode, base_url=server.base_url, api_key=server.admin_key, **options)
