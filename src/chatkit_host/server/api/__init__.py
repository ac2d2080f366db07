"""The REST API under ``/v1`` plus health: the endpoint table, one resource module per group of routes.

Each resource module declares its routes once, in its ``ENDPOINTS`` (``http/endpoints.py``); ``ENDPOINTS``
here is all of them, tagged by resource, and drives both FastAPI's routes and the fast lane. The pages
(``web.py``: HTML, static files, the playground) are not REST and keep an ordinary router.
"""

from dataclasses import replace

from chatkit_host.server.api import feedback, health, sessions, threads, traces, web, workflows
from chatkit_host.server.http.endpoints import Endpoint

_RESOURCES = {
    "health": health.ENDPOINTS,
    "sessions": sessions.ENDPOINTS,
    "threads": threads.ENDPOINTS,
    "feedback": feedback.ENDPOINTS,
    "workflows": workflows.ENDPOINTS,
    "traces": traces.ENDPOINTS,
}

#: Every REST route, in registration order (which is also the order of ``/openapi.json``).
ENDPOINTS: list[Endpoint] = [replace(e, tags=(tag,)) for tag, group in _RESOURCES.items() for e in group]

#: Routers that are not endpoints of the table.
ROUTERS = [web.router]

__all__ = ["ENDPOINTS", "ROUTERS"]
