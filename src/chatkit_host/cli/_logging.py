"""The server's log as ``serve`` writes it: one line per event at the default level, tracebacks at debug.

A provider outage used to write two chained tracebacks per failed turn (the workflow and the title call,
about 230 lines, F10). Here a record that carries an exception becomes one line, its message followed by the
exception's type and text, unless the level is ``debug``, where the full traceback is kept. The formatter does
the work rather than the call sites, so every ``logger.exception`` in the server gets the same treatment.
Alembic's seven INFO lines per start (F9) are silenced the same way: they are shown at ``debug`` only.
"""

from __future__ import annotations

import logging
import logging.config
from typing import Any

FORMAT = "%(levelname)s %(name)s: %(message)s"
#: Loggers that say nothing a person running the server needs unless they are debugging.
QUIET_LOGGERS = ("alembic",)


class OneLineFormatter(logging.Formatter):
    """Formats a record with an exception as one line: ``message: Type: text (traceback at --log-level debug)``."""

    def format(self, record: logging.LogRecord) -> str:
        if not record.exc_info or record.exc_info[1] is None:
            return super().format(record)
        error = record.exc_info[1]
        detail = f"{type(error).__name__}: {error}".replace("\n", " ").strip()
        brief = logging.makeLogRecord(record.__dict__)
        brief.msg, brief.args = f"{record.getMessage()}: {detail} (traceback at --log-level debug)", None
        brief.exc_info, brief.exc_text, brief.stack_info = None, None, None
        return super().format(brief).replace("\n", " ")


def configure_logging(level: str) -> None:
    """Set up this process's logging for ``serve``; ``level`` is ``--log-level`` (debug keeps everything)."""
    logging.config.dictConfig(worker_log_config(level, {"version": 1, "disable_existing_loggers": False}))


def worker_log_config(level: str, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (uvicorn's ``log_config``) plus what :func:`configure_logging` sets, as a ``dictConfig``.

    uvicorn applies ``log_config`` in every process it runs, so with ``--workers N`` the workers write the same
    one-line log as a single process (:func:`configure_logging` only ever runs in the parent).
    """
    debug = logging.getLevelName(level.upper()) == logging.DEBUG
    config = dict(base)
    formatter = "logging.Formatter" if debug else f"{__name__}.OneLineFormatter"
    config["formatters"] = {**base.get("formatters", {}), "chatkit_host": {"()": formatter, "fmt": FORMAT}}
    handler = {"class": "logging.StreamHandler", "formatter": "chatkit_host", "stream": "ext://sys.stderr"}
    config["handlers"] = {**base.get("handlers", {}), "chatkit_host": handler}
    config["root"] = {"level": level.upper(), "handlers": ["chatkit_host"]}
    quiet = {name: {"level": "DEBUG" if debug else "WARNING"} for name in QUIET_LOGGERS}
    config["loggers"] = {**base.get("loggers", {}), **quiet}
    return config
