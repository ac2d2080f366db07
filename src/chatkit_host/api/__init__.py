"""The REST API under ``/v1`` plus health; each resource has its own router module."""

from chatkit_host.api import health, sessions, threads, traces, web, workflows
from chatkit_host.runtime import feedback as runtime_feedback
from chatkit_host.runtime import routes as runtime_routes

ROUTERS = [
    health.router,
    sessions.router,
    threads.router,
    runtime_routes.router,
    runtime_feedback.router,
    workflows.router,
    traces.router,
    web.router,
]

__all__ = ["ROUTERS"]
