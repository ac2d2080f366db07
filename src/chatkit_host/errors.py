"""Deprecated alias of :mod:`chatkit_host.server.errors`, kept for one release (0.1 documented this path)."""

import warnings

from chatkit_host.server.errors import *  # noqa: F403

warnings.warn(
    "chatkit_host.errors moved to chatkit_host.server.errors; the old path goes away in the next release",
    DeprecationWarning,
    stacklevel=2,
)
