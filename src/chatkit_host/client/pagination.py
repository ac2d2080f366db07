"""Cursor pages: ``.data``, ``.has_more``, ``.next_page()``, and iteration across every page.

A page remembers the call that produced it; the next page is the same call with the cursor moved past the
last object (or, when the caller paged backwards with only ``before``, past the first one).
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

from chatkit_host.client._base import Call
from chatkit_host.types.common import ListPage

T = TypeVar("T")


class _Page(Generic[T]):
    def __init__(self, page: ListPage[T], call: Call[ListPage[T]]) -> None:
        self._page = page
        self._call = call

    @property
    def data(self) -> list[T]:
        return self._page.data

    @property
    def has_more(self) -> bool:
        return self._page.has_more

    @property
    def first_id(self) -> str | None:
        return self._page.first_id

    @property
    def last_id(self) -> str | None:
        return self._page.last_id

    @property
    def page(self) -> ListPage[T]:
        """The wire object as the server sent it."""
        return self._page

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.data)

    def _next_call(self) -> Call[ListPage[T]]:
        params = dict(self._call.params)
        if params.get("before") is not None and params.get("after") is None:
            params["before"] = self.first_id
        else:
            params["after"] = self.last_id
            params.pop("before", None)
        return dataclasses.replace(self._call, params=params)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(data={self.data!r}, has_more={self.has_more})"


class SyncPage(_Page[T]):
    """A page from the sync client; ``for x in page`` walks every later page too."""

    def __init__(self, page: ListPage[T], call: Call[ListPage[T]], fetch: Callable[[Call[ListPage[T]]], Any]) -> None:
        super().__init__(page, call)
        self._fetch = fetch

    def next_page(self) -> SyncPage[T] | None:
        """The following page, or ``None`` after the last one."""
        if not self.has_next_page():
            return None
        call = self._next_call()
        return SyncPage(self._fetch(call), call, self._fetch)

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        page: SyncPage[T] | None = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data


class AsyncPage(_Page[T]):
    """A page from the async client; ``async for x in page`` walks every later page too."""

    def __init__(
        self,
        page: ListPage[T],
        call: Call[ListPage[T]],
        fetch: Callable[[Call[ListPage[T]]], Awaitable[Any]],
    ) -> None:
        super().__init__(page, call)
        self._fetch = fetch

    async def next_page(self) -> AsyncPage[T] | None:
        """The following page, or ``None`` after the last one."""
        if not self.has_next_page():
            return None
        call = self._next_call()
        return AsyncPage(await self._fetch(call), call, self._fetch)

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        page: AsyncPage[T] | None = self
        while page is not None:
            yield page
            page = await page.next_page()

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item


class AsyncPaginator(Generic[T]):
    """What async ``list`` methods return: ``await`` it for the first page, or ``async for`` every object."""

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first = first

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first().__await__()

    async def __aiter__(self) -> AsyncIterator[T]:
        page = await self._first()
        async for item in page:
            yield item
