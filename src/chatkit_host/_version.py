"""The package version, in a leaf module so that the SDK and the server read it without importing each other."""

__version__ = "0.1.0"
