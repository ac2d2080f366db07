"""Run the real app on a loopback port in a background thread, for tests and benchmarks."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # signals belong to the test runner's main thread
        pass


@contextmanager
def serve_in_thread(app: Any, port: int | None = None) -> Iterator[str]:
    """Serve ``app`` with uvicorn on 127.0.0.1 until the block exits; yields the base URL."""
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = _ThreadServer(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the test server failed to start")
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start within 30 s")
        time.sleep(0.01)
    base_url = f"http://127.0.0.1:{port}"
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def wait_until_responds(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def inventory_mcp_server() -> Any:
    """A real MCP server with one tool, ``stock_level``, for workflows that declare MCP servers."""
    try:
        from mcp.server.mcpserver import MCPServer
    except ImportError:  # mcp 1.x, before FastMCP was renamed
        from mcp.server.fastmcp import FastMCP as MCPServer  # type: ignore[attr-defined,no-redef]

    inventory = MCPServer("inventory")

    @inventory.tool()
    def stock_level(sku: str) -> str:
        """How many units of a product are in stock."""
        return f"{sku}: 42 units"

    return inventory
