"""One benchmark server process: the real app or the bare ASGI baseline, both on identical uvicorn settings.

Run by ``bench/rest_api.py`` as a child process (``python bench/_serve.py app|bare --port N ...``) so the
load generator and each server get their own interpreter and core.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

#: Roughly the size of a small API answer; the baseline only has to be "a JSON endpoint doing nothing".
_BARE_BODY = b'{"object":"list","data":[],"first_id":null,"last_id":null,"has_more":false}'
_BARE_HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(_BARE_BODY)).encode())]


async def bare_app(scope: Scope, receive: Receive, send: Send) -> None:
    """The baseline: answers every HTTP request with a fixed JSON body after draining the request body."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": _BARE_HEADERS})
    await send({"type": "http.response.body", "body": _BARE_BODY})


def bare_query_app(database: str) -> Any:
    """The ceiling for ``threads.list`` on SQLite: the bare endpoint plus the one query a first page needs.

    Same SQL text and parameters as the app's store sends (one page of 20 plus one row to learn
    ``has_more``), on the app's database file, answered with the bare body: whatever an implementation
    does beyond this (authentication, parsing, turning rows into JSON), it cannot be faster than this.
    """
    import sqlite3

    from sqlalchemy.dialects import sqlite as sqlite_dialect
    from sqlalchemy.engine import make_url

    from chatkit_host.server.store.statements import threads_page

    path = make_url(database).database
    assert path, "a SQLite file URL"
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, cached_statements=16)
    # The store's own statement for an unfiltered first page of 20, compiled as the store compiles it.
    query, _ = threads_page(True, False, False, False, False, False, "desc", 20)
    compiled = query.compile(dialect=sqlite_dialect.dialect())
    sql = str(compiled)
    params = [compiled.params[name] for name in compiled.positiontup or ()]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            rows = conn.execute(sql, params).fetchall()
            assert len(rows) == 21
        await bare_app(scope, receive, send)

    return app


def starlette_app() -> Any:
    """A second reference: the smallest framework app (one route, a JSON response built per request)."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def endpoint(_request: Request) -> JSONResponse:
        return JSONResponse({"object": "list", "data": [], "first_id": None, "last_id": None, "has_more": False})

    return Starlette(routes=[Route("/", endpoint)])


def fastapi_app() -> Any:
    """A third reference: FastAPI's own per-request machinery around an endpoint that does nothing."""
    from fastapi import FastAPI
    from fastapi.responses import Response

    app = FastAPI()

    @app.get("/")
    async def endpoint() -> Response:
        return Response(_BARE_BODY, media_type="application/json")

    return app


#: Shared by all servers, so the ratio compares applications and not server settings.
UVICORN_OPTIONS: dict[str, Any] = {
    "host": "127.0.0.1",
    "loop": "uvloop",
    "http": "httptools",
    "lifespan": "on",
    "log_level": "warning",
    "access_log": False,
    "server_header": False,
    "date_header": False,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["app", "bare", "bare-query", "starlette", "fastapi"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", help="database URL (app and bare-query)")
    parser.add_argument("--data-dir", type=Path, help="data directory (app only)")
    parser.add_argument("--api-key", help="admin API key (app only)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app: Any
    if args.kind == "bare":
        app = bare_app
    elif args.kind == "bare-query":
        app = bare_query_app(args.database)
    elif args.kind == "starlette":
        app = starlette_app()
    elif args.kind == "fastapi":
        app = fastapi_app()
    else:
        from chatkit_host.server.app import create_app
        from chatkit_host.server.settings import Settings

        app = create_app(Settings(data_dir=args.data_dir, database_url=args.database, api_keys=(args.api_key,)))
    uvicorn.run(app, port=args.port, **UVICORN_OPTIONS)


if __name__ == "__main__":
    main()
