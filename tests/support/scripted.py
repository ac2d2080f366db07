"""A scripted HTTP server: each path answers from a list of (status, headers, body), and requests are counted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson

Scenario = list[tuple[int, dict[str, str], bytes]]


class ScriptedServer:
    """An ASGI app answering each path from a script of (status, headers, body) and counting requests."""

    def __init__(self) -> None:
        self.scripts: dict[str, Scenario] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.raw_paths: list[bytes] = []
        self.delay = 0.0

    def script(self, path: str, *answers: tuple[int, dict[str, str], Any]) -> None:
        self.scripts[path] = [(status, headers, orjson.dumps(body)) for status, headers, body in answers]

    def count(self, path: str) -> int:
        return sum(1 for seen, _ in self.requests if seen == path)

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            return
        path = scope["path"]
        headers = {key.decode().lower(): value.decode() for key, value in scope["headers"]}
        self.requests.append((path, headers))
        self.raw_paths.append(scope["raw_path"])
        if self.delay:
            await asyncio.sleep(self.delay)
        script = self.scripts.get(path) or [(404, {}, b'{"error": {"message": "no script"}}')]
        # The last answer repeats once the script is used up.
        status, extra, body = script.pop(0) if len(script) > 1 else script[0]
        response_headers = [(b"content-type", b"application/json")]
        response_headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": body})


def envelope(
    message: str, type_: str = "invalid_request_error", param: str | None = None, code: str | None = None
) -> Any:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


THREAD = {"id": "cthr_1", "object": "chatkit.thread", "created_at": 1, "status": {"type": "active"}, "user": "u"}
