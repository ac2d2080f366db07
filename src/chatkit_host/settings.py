"""Deprecated alias of :mod:`chatkit_host.server.settings`, kept for one release (0.1 documented this path)."""

import warnings

from chatkit_host.server.settings import *  # noqa: F403

warnings.warn(
    "chatkit_host.settings moved to chatkit_host.server.settings; the old path goes away in the next release",
    DeprecationWarning,
    stacklevel=2,
)
