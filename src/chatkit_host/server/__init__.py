"""The server wing: everything that runs only in the ``chatkit-host serve`` process.

Floors, top to bottom (``tests/test_layout.py`` checks the rules):

- ``app.py``: the composition root; it alone mounts both edges.
- the edges, side by side and never importing each other: ``api/`` (the REST API and the pages) and
  ``runtime/`` (the ChatKit protocol, ``POST /chatkit``), both on ``http/`` (plumbing shared by the two);
- the domain: ``sessions.py``, ``attachments/``, ``workflows/``, plus ``context.py``, ``settings.py``,
  ``errors.py``, ``ids.py`` and ``credentials.py``;
- ``store/`` at the bottom, importing nothing above it.

The names below load lazily, so that ``import chatkit_host.server.credentials`` (the CLI does) does not pull in
FastAPI, SQLAlchemy and the Agents SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chatkit_host.server.app import create_app
    from chatkit_host.server.settings import Settings
    from chatkit_host.server.turn import Responder, Turn

__all__ = ["Responder", "Settings", "Turn", "create_app"]

_HOMES = {
    "create_app": "chatkit_host.server.app",
    "Responder": "chatkit_host.server.turn",
    "Turn": "chatkit_host.server.turn",
    "Settings": "chatkit_host.server.settings",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'chatkit_host.server' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(home), name)
