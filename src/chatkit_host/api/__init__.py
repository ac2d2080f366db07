"""The REST API under ``/v1`` plus health; each resource has its own router module."""

from chatkit_host.api import feedback, health, sessions, threads, traces, web, workflows
from chatkit_host.api.hot import HotEndpoint
from chatkit_host.runtime import routes as runtime_routes

ROUTERS = [
    health.router,
    sessions.router,
    threads.router,
    runtime_routes.router,
    feedback.router,
    workflows.router,
    traces.router,
    web.router,
]

#: Served by ``api.hot.HotRoutesApp`` ahead of FastAPI's machinery (each is also an ordinary route in its router).
HOT_ROUTES: dict[tuple[str, str], HotEndpoint] = {
    ("GET", "/v1/chatkit/threads"): threads.list_threads,
    ("POST", "/v1/chatkit/sessions"): sessions.create,
}

__all__ = ["HOT_ROUTES", "ROUTERS"]
