"""Deprecated alias of :mod:`chatkit_host.server.workflows.run_context`, kept for one release (0.1 documented it)."""

import warnings

from chatkit_host.server.workflows.run_context import *  # noqa: F403

warnings.warn(
    "chatkit_host.workflows.scope moved to chatkit_host.server.workflows.run_context; "
    "the old path goes away in the next release",
    DeprecationWarning,
    stacklevel=2,
)
