"""The last word on an unexpected error: the 500 envelope, and the connection stays open.

Starlette's server-error layer answers an unhandled exception and then re-raises it to the ASGI server, which
must assume the response is broken and closes the connection: every 500 cost the client its kept-alive
connection (and, behind a proxy, a reconnect). This layer sits inside it, answers the error itself when no
response has started, and re-raises only when one has (a stream cut short cannot be completed).
"""

from __future__ import annotations

import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chatkit_host.server.errors import error_body

logger = logging.getLogger(__name__)

SERVER_ERROR = error_body("The server had an error while processing your request.", "server_error")


class AnswerUnexpectedErrors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception:
            if started:
                raise
            logger.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            headers = [(b"content-type", b"application/json"), (b"content-length", str(len(SERVER_ERROR)).encode())]
            await send({"type": "http.response.start", "status": 500, "headers": headers})
            await send({"type": "http.response.body", "body": SERVER_ERROR})
