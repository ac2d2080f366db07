"""Turn one description of an operation into a sync and an async method.

Each operation is written once, as a function that returns a :class:`Call` (its signature and docstring are
the method's). ``sync_op``/``async_op`` (and the ``*_list`` variants, which return pages) bind it to a
resource class, so ``Sessions`` and ``AsyncSessions`` are declarative lists rather than twins.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

import httpx

from chatkit_host.client._base import Call
from chatkit_host.client.pagination import AsyncPage, AsyncPaginator, SyncPage
from chatkit_host.types.common import ListPage

P = ParamSpec("P")
T = TypeVar("T")


class SyncRunner(Protocol):
    def run(self, call: Call[T]) -> T: ...


class AsyncRunner(Protocol):
    async def run(self, call: Call[T]) -> T: ...


class SyncStreamRunner(SyncRunner, Protocol):
    def open_stream(self, call: Call[object]) -> httpx.Response: ...


class AsyncStreamRunner(AsyncRunner, Protocol):
    async def open_stream(self, call: Call[object]) -> httpx.Response: ...


class SyncResource:
    def __init__(self, runner: SyncRunner) -> None:
        self._runner = runner


class AsyncResource:
    def __init__(self, runner: AsyncRunner) -> None:
        self._runner = runner


def sync_op(operation: Callable[P, Call[T]]) -> Callable[Concatenate[SyncResource, P], T]:
    @functools.wraps(operation)
    def method(self: SyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return self._runner.run(operation(*args, **kwargs))

    return method


def async_op(operation: Callable[P, Call[T]]) -> Callable[Concatenate[AsyncResource, P], Awaitable[T]]:
    @functools.wraps(operation)
    async def method(self: AsyncResource, /, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._runner.run(operation(*args, **kwargs))

    return method


def sync_list(operation: Callable[P, Call[ListPage[T]]]) -> Callable[Concatenate[SyncResource, P], SyncPage[T]]:
    @functools.wraps(operation)
    def method(self: SyncResource, /, *args: P.args, **kwargs: P.kwargs) -> SyncPage[T]:
        call = operation(*args, **kwargs)
        return SyncPage(self._runner.run(call), call, self._runner.run)

    return method


def async_list(
    operation: Callable[P, Call[ListPage[T]]],
) -> Callable[Concatenate[AsyncResource, P], AsyncPaginator[T]]:
    @functools.wraps(operation)
    def method(self: AsyncResource, /, *args: P.args, **kwargs: P.kwargs) -> AsyncPaginator[T]:
        call = operation(*args, **kwargs)
        runner = self._runner

        async def first() -> AsyncPage[T]:
            return AsyncPage(await runner.run(call), call, runner.run)

        return AsyncPaginator(first)

    return method
