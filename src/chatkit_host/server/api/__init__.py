"""The REST API under ``/v1`` plus health; each resource has its own router module."""

from chatkit_host.server.api import feedback, health, sessions, threads, traces, web, workflows
from chatkit_host.server.http.fast_lane import HotEndpoint

ROUTERS = [
    health.router,
    sessions.router,
    threads.router,
    feedback.router,
    workflows.router,
    traces.router,
    web.router,
]

#: Served by ``http.fast_lane.HotRoutesApp`` ahead of FastAPI (each is also an ordinary route in its router).
HOT_ROUTES: dict[tuple[str, str], HotEndpoint] = {
    ("GET", "/v1/chatkit/threads"): threads.list_threads,
    ("POST", "/v1/chatkit/sessions"): sessions.create,
}

__all__ = ["HOT_ROUTES", "ROUTERS"]
