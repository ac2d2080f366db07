"""Deprecated: workflows moved to :mod:`chatkit_host.server.workflows`; only ``.scope`` stays, for one release."""
