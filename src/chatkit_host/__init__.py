"""chatkit-host: a self-hostable ChatKit server, its Python SDK and CLI."""

__version__ = "0.1.0"

__all__ = ["__version__"]
