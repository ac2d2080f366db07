"""Server-sent events without I/O: bytes in, the ``data`` payload of each complete event out."""

from __future__ import annotations


class SSEDecoder:
    """Splits a byte stream into events at blank lines; joins multi-line ``data:`` fields with newlines."""

    def __init__(self) -> None:
        self._buffer = b""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[str]:
        self._buffer += chunk
        payloads: list[str] = []
        while True:
            end = self._buffer.find(b"\n")
            if end < 0:
                return payloads
            line = self._buffer[:end].rstrip(b"\r").decode("utf-8")
            self._buffer = self._buffer[end + 1 :]
            payload = self._line(line)
            if payload is not None:
                payloads.append(payload)

    def close(self) -> list[str]:
        """Whatever a stream that ended without a final blank line still held."""
        rest = [] if not self._buffer else self.feed(b"\n")
        payload = self._line("")
        return rest + ([payload] if payload is not None else [])

    def _line(self, line: str) -> str | None:
        if not line:
            if not self._data:
                return None
            payload = "\n".join(self._data)
            self._data = []
            return payload
        if line.startswith(":"):  # a comment, used as keep-alive
            return None
        name, _, value = line.partition(":")
        if name == "data":
            self._data.append(value.removeprefix(" "))
        return None
