"""The REST API under ``/v1`` plus health; each resource has its own router module."""

from chatkit_host.api import health, sessions, threads

ROUTERS = [health.router, sessions.router, threads.router]

__all__ = ["ROUTERS"]
