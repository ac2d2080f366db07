"""``/healthz``: answers without auth, and says whether the database answers too."""

from __future__ import annotations

import os

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatkit_host.server.http.plumbing import get_context, json_response

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness and database check.")
async def healthz(request: Request) -> Response:
    context = get_context(request)
    try:
        await context.store.ping()
    except Exception:  # the point of a health check is to report this, not to raise
        return json_response({"status": "error", "database": "unreachable"}, status=503)
    # ``worker`` tells the processes of one ``serve --workers N`` apart (which one answered, for operators and tests).
    return json_response({"status": "ok", "database": context.store.dialect, "worker": os.getpid()})
