"""The open chat UI, the playground and the admin console: static files served by ``api/web.py``."""

from __future__ import annotations

from pathlib import Path

#: Plain ES modules, CSS and HTML; shipped in the wheel as package data, no build step.
STATIC_DIR = Path(__file__).resolve().parent / "static"

__all__ = ["STATIC_DIR"]
