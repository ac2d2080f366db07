"""``create_app(settings)``: the one place the ASGI application is assembled."""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from chatkit_host._version import __version__
from chatkit_host.server.api import ENDPOINTS, ROUTERS
from chatkit_host.server.attachments import gc as attachment_gc
from chatkit_host.server.attachments.storage import make_file_storage
from chatkit_host.server.context import AppContext
from chatkit_host.server.credentials import AdminKeys, load_admin_keys
from chatkit_host.server.http.endpoints import FastLane, endpoint_router
from chatkit_host.server.http.handlers import EXCEPTION_HANDLERS
from chatkit_host.server.http.last_resort import AnswerUnexpectedErrors
from chatkit_host.server.runtime import routes as runtime_routes
from chatkit_host.server.runtime.cors import RuntimeCORS
from chatkit_host.server.sessions.ratelimit import make_rate_limiter
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import Store
from chatkit_host.server.store.migrate import upgrade
from chatkit_host.server.turn import Responder
from chatkit_host.server.workflows.offline import OfflineResponder
from chatkit_host.server.workflows.setup import open_workflows

logger = logging.getLogger(__name__)


#: The environment variable through which ``serve --workers N`` hands its resolved settings to each worker.
WORKER_SETTINGS_VARIABLE = "CHATKIT_HOST_SERVE_SETTINGS"


def create_worker_app() -> FastLane:
    """The app of one ``serve --workers N`` process (uvicorn imports this factory in each worker)."""
    return create_app(Settings.from_json(os.environ[WORKER_SETTINGS_VARIABLE]))


def create_app(settings: Settings | None = None, *, responder: Responder | None = None) -> FastLane:
    """The app: FastAPI (every route, the schema, the lifespan) wrapped in the fast lane for the hot routes."""
    settings = settings or Settings.from_env()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # database, uploads, keys: private
        url = settings.resolved_database_url
        await upgrade(url)
        store = Store.open(url)
        keys = load_admin_keys(settings.api_keys, settings.data_dir)
        workflows = await open_workflows(settings, store, offline=OfflineResponder())
        app.state.context = AppContext(
            settings=settings,
            store=store,
            admin_keys=AdminKeys(keys.keys),
            registry=workflows.registry,
            files=make_file_storage(settings, store),
            models=workflows.models,
            workflow_store=workflows.store,
            run_writer=workflows.writer,
            responder=responder or workflows.engine,
            limiter=make_rate_limiter(settings.redis_url, settings.data_dir if settings.workers > 1 else None),
        )
        sweeper = attachment_gc.start(app.state.context)
        # Everything alive now (modules, schemas, compiled workflows: ~275k objects) lives as long as the
        # server. Left in the collector's oldest generation, every full collection rescans all of it (one took
        # 110-230 ms here); frozen, they are skipped. A/B under wrk: sessions.create p99 100-139 ms -> 31-42 ms.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await attachment_gc.stop(sweeper)
            await workflows.aclose()
            await app.state.context.limiter.aclose()
            await store.close()

    app = FastAPI(
        title="chatkit-host",
        version=__version__,
        description="Self-hosted ChatKit: OpenAI's ChatKit REST API and runtime.",
        lifespan=lifespan,
        exception_handlers=EXCEPTION_HANDLERS,
        # Swagger UI loads its scripts from a public CDN: only when asked for, so the server stays offline.
        docs_url="/docs" if settings.api_docs else None,
        redoc_url=None,
        # FastAPI's native OpenTelemetry checks, per request, whether a provider is configured; chatkit-host
        # traces workflow runs itself, so the check is pure overhead on the hot routes.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    # The two edges, side by side: the REST API (the endpoint table, then the pages) and the ChatKit runtime.
    for router in [endpoint_router(ENDPOINTS), *ROUTERS, runtime_routes.router]:
        app.include_router(router)
    app.add_middleware(AnswerUnexpectedErrors)  # inside CORS, so a 500 carries its headers too
    app.add_middleware(RuntimeCORS)
    return FastLane(app, ENDPOINTS)
