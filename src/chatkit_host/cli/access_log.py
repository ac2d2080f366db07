"""The access log without secrets: the ``sig`` of signed attachment URLs is replaced before a line is written.

A signed upload or preview URL works for anyone who holds it (that is its point: an ``<img src>`` sends no
header), so its signature must not end up in log files that other people read. uvicorn logs each request's path
with its query string; :class:`RedactSignatures` edits that argument of the record.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_SIG = re.compile(r"([?&]sig=)[^&#\s]*", re.IGNORECASE)


class RedactSignatures(logging.Filter):
    """Replaces the value of every ``sig`` query parameter in an access-log record's path with ``[redacted]``."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "sig=" in args[2].lower():
            record.args = (*args[:2], _SIG.sub(r"\1[redacted]", args[2]), *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's default logging configuration with :class:`RedactSignatures` on its access log.

    Given to ``uvicorn.run(log_config=...)``, so every worker process configures it too."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_signatures"] = {"()": f"{__name__}.RedactSignatures"}
    config["loggers"]["uvicorn.access"]["filters"] = ["redact_signatures"]
    return config
