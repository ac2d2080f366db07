"""``/healthz``: answers without auth, and says whether the database answers too."""

from __future__ import annotations

import os
from typing import Any

from chatkit_host.server.context import AppContext
from chatkit_host.server.http.endpoints import Args, Endpoint, Reply


async def healthz(context: AppContext, _args: Args) -> dict[str, Any] | Reply:
    try:
        await context.store.ping()
    except Exception:  # the point of a health check is to report this, not to raise
        return Reply({"status": "error", "database": "unreachable"}, 503)
    # ``worker`` tells the processes of one ``serve --workers N`` apart (which one answered, for operators and tests).
    return {"status": "ok", "database": context.store.dialect, "worker": os.getpid()}


ENDPOINTS = [Endpoint("GET", "/healthz", healthz, None, "Liveness and database check.", auth="none")]
