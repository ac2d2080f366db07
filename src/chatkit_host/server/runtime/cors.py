"""Cross-origin access to the runtime paths (``/chatkit...``), for pages embedding ChatKit on another origin.

The runtime authenticates with an explicit ``Authorization`` header (or a signed URL), never with cookies,
so any origin may call it: a page without the client secret gets nothing. Error answers carry the headers
too, or a page's ``api.fetch`` could not read the ``session_expired`` code it refreshes on.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/chatkit"
_ALLOW = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-expose-headers", b"Retry-After"),
]
_PREFLIGHT = [
    *_ALLOW,
    (b"access-control-allow-methods", b"GET, POST, PUT, OPTIONS"),
    (b"access-control-allow-headers", b"Authorization, Content-Type, Accept-Language"),
    (b"access-control-max-age", b"600"),
    (b"content-length", b"0"),
]


class RuntimeCORS:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            await send({"type": "http.response.start", "status": 204, "headers": _PREFLIGHT})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"access-control-allow-origin"]
                message = {**message, "headers": headers + _ALLOW}
            await send(message)

        await self.app(scope, receive, send_with_cors)
