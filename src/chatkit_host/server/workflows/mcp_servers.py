"""MCP servers of a definition that survive a restart of the server they talk to.

A compiled version keeps its MCP connections for the life of the process (a handshake per turn would
dominate the turn). The Agents SDK's ``max_retry_attempts`` retries a request on the same session, which
cannot help once the server restarted (the session is gone), and it offers no per-server reconnect. So a
listing or call that finds the connection lost reconnects once through the SDK's ``MCPServerManager``
(connect and cleanup in one worker task per server, as some transports require, each bounded by a timeout)
and retries; a server that cannot be reached fails the turn with :class:`MCPUnavailable`, and the next
turn tries again.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import anyio
import httpx
from agents import RunContextWrapper
from agents.exceptions import UserError
from agents.mcp import MCPServer, MCPServerManager, MCPServerSse, MCPServerStreamableHttp
from agents.tool import default_tool_error_function

try:
    from mcp.shared.exceptions import MCPError
except ImportError:  # mcp 1.x spells it McpError
    from mcp.shared.exceptions import McpError as MCPError  # type: ignore[attr-defined,no-redef]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds a (re)connection may take before the turn gives up on the server.
CONNECT_TIMEOUT = 10.0
#: Seconds closing a dead connection may take before a new one is opened anyway.
CLEANUP_TIMEOUT = 5.0
#: JSON-RPC code the MCP client gives pending requests when its transport closed.
CONNECTION_CLOSED = -32000
#: ... and when no answer came within ``client_session_timeout_seconds``.
REQUEST_TIMEOUT = -32001
#: What the SDK's transport-error messages say when the connection, not the request, failed.
_LOST_MARKERS = ("Connection lost", "Connection timeout", "HTTP error 404", "not initialized")


class MCPUnavailable(UserError):
    """An MCP server could not be reached for this turn (a ``UserError``, so the SDK does not wrap it)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"The MCP server '{name}' could not be reached; please try again later.")
        self.server_name = name


def find_unavailable(exc: BaseException | None) -> MCPUnavailable | None:
    """The ``MCPUnavailable`` behind an error, however the SDK wrapped or chained it."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, MCPUnavailable):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def connection_lost(exc: BaseException, lost_codes: frozenset[int] = frozenset({CONNECTION_CLOSED})) -> bool:
    """Whether an error means the connection is gone (worth a reconnect), not that the request failed."""
    if isinstance(exc, MCPError):
        return exc.code in lost_codes
    if isinstance(exc, httpx.TransportError | anyio.ClosedResourceError | anyio.BrokenResourceError):
        return True
    return isinstance(exc, UserError) and any(marker in str(exc) for marker in _LOST_MARKERS)


def never_delivered(exc: BaseException) -> bool:
    """Whether a lost-connection error proves the request never reached a live session (safe to send again):
    the connection could not be opened, or the server no longer knew the session (a restart)."""
    if isinstance(exc, httpx.ConnectError):
        return True
    return isinstance(exc, UserError) and any(marker in str(exc) for marker in ("HTTP error 404", "not initialized"))


def _tool_failure(ctx: RunContextWrapper[Any], error: Exception) -> str:
    # A tool's own failure goes back to the model, as the SDK does by default; an unreachable server ends the
    # turn instead, since the model cannot do anything about it.
    unavailable = find_unavailable(error)
    if unavailable is not None:
        raise unavailable
    return default_tool_error_function(ctx, error)


class Recovering(MCPServer):
    """Reconnect-once behaviour shared by the HTTP transports (mixed in before the SDK class)."""

    session: Any
    #: MCP error codes that mean the connection, not the request, failed on this transport.
    lost_codes: frozenset[int] = frozenset({CONNECTION_CLOSED})
    invalidate_tools_cache: Callable[[], None]
    _manager: MCPServerManager
    _reconnect_lock: asyncio.Lock

    def __init__(self, url: str, headers: dict[str, str], name: str) -> None:
        # The SDK transport class that follows this mixin in the MRO takes the connection parameters.
        super().__init__(  # type: ignore[call-arg]
            params={"url": url, "headers": headers},
            name=name,
            cache_tools_list=True,
            failure_error_function=_tool_failure,
        )
        self._manager = MCPServerManager(
            [self],
            connect_timeout_seconds=CONNECT_TIMEOUT,
            cleanup_timeout_seconds=CLEANUP_TIMEOUT,
            strict=True,
            suppress_cancelled_error=False,
            connect_in_parallel=True,  # one worker task per server owns its connection
        )
        self._reconnect_lock = asyncio.Lock()

    async def ensure_connected(self) -> None:
        """Connect when not connected (first use, or the last reconnect failed)."""
        if self.session is None:
            await self._reconnect(None)

    async def _reconnect(self, failed: object) -> None:
        async with self._reconnect_lock:
            if self.session is not None and self.session is not failed:
                return  # another turn already reconnected while this one waited
            # A task in an empty context: the worker it starts outlives this turn and must not keep its scope.
            task = asyncio.get_running_loop().create_task(
                self._manager.reconnect(failed_only=False), context=contextvars.Context()
            )
            try:
                await task
            except Exception as exc:
                logger.warning("MCP server %s is unreachable: %s", self.name, exc)
                raise MCPUnavailable(self.name) from None
            if self.session is None:  # the manager records some failures instead of raising them
                raise MCPUnavailable(self.name)
            # A restarted server may offer other tools than the one the cache was filled from.
            self.invalidate_tools_cache()
            logger.info("connected MCP server %s", self.name)

    async def _recovering(self, request: Callable[[], Awaitable[T]], *, idempotent: bool) -> T:
        await self.ensure_connected()
        session = self.session
        try:
            return await request()
        except Exception as exc:
            if not connection_lost(exc, self.lost_codes):
                raise
            logger.info("MCP server %s lost its connection (%s); reconnecting", self.name, exc)
            if not idempotent and not never_delivered(exc):
                # The server may have run the tool before the connection went (a timeout, a drop mid-answer):
                # reconnect for later calls, but report this one as failed rather than risk running it twice.
                await self._reconnect(session)
                raise
        await self._reconnect(session)
        return await request()

    async def list_tools(self, run_context: Any = None, agent: Any = None) -> Any:
        # The SDK class this is mixed into implements these; MCPServer only declares them.
        parent: Any = super()
        return await self._recovering(lambda: parent.list_tools(run_context, agent), idempotent=True)

    async def call_tool(self, tool_name: str, arguments: dict[str, Any] | None, meta: Any = None) -> Any:
        parent: Any = super()
        if meta is None:
            return await self._recovering(lambda: parent.call_tool(tool_name, arguments), idempotent=False)
        return await self._recovering(lambda: parent.call_tool(tool_name, arguments, meta=meta), idempotent=False)

    async def aclose(self) -> None:
        await self._manager.cleanup_all()


class RecoveringStreamableHttp(Recovering, MCPServerStreamableHttp):
    """``MCPServerStreamableHttp`` that reconnects once when its connection was lost."""


class RecoveringSse(Recovering, MCPServerSse):
    """``MCPServerSse`` that reconnects once when its connection was lost."""

    # After a restart the old SSE session's requests are refused (404) while the client only logs it, so the
    # request times out: on this transport that is how a lost connection shows.
    lost_codes = frozenset({CONNECTION_CLOSED, REQUEST_TIMEOUT})


async def close_server(server: MCPServer) -> None:
    """Close one server's connection (through its manager when it has one, so the owning task closes it)."""
    if isinstance(server, Recovering):
        await server.aclose()
    else:
        await server.cleanup()  # type: ignore[no-untyped-call]
