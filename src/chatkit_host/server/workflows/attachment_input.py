"""What the model receives for each attachment of a user message, within a per-workflow budget.

``openai-chatkit``'s ``ThreadItemConverter`` asks ``attachment_to_message_content`` for one content part per
attachment; :class:`AttachmentParts` answers it from the stored bytes (``server/attachments/storage.py``):

- PNG, JPEG, GIF and WebP images: ``input_image`` with a ``data:`` URL (the Agents SDK turns it into an
  ``image_url`` part on Chat Completions). Data, not a link: the provider never has to reach this server.
- PDFs: ``input_file`` with the file's data and name (a ``file`` part on Chat Completions).
- Text-like files (``text/*``, JSON, XML, YAML, CSV, Markdown, source code by name): their text, inlined, cut
  at :attr:`AttachmentBudget.text_chars` characters with a note saying so.
- Anything else: a placeholder naming the file and why it was not sent.

Every attachment is announced by a line ``[attachment: NAME (MIME, SIZE bytes)]`` (a part of its own before an
image or a file), so the model knows what it is looking at and the offline stand-in can say what it got.

The budget (:class:`AttachmentBudget`) is spent newest message first: the bytes of the attachments of the
latest ``history_turns`` user messages, at most ``max_bytes_per_turn`` in all; what does not fit, and the
attachments of older messages, become placeholders. Bytes are read through the storage's async chunk stream,
and only for attachments that fit, so a large file costs nothing when it is over budget.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from chatkit.types import Attachment, ThreadItem, UserMessageItem
from openai.types.responses import (
    ResponseInputContentParam,
    ResponseInputFileParam,
    ResponseInputImageParam,
    ResponseInputTextParam,
)

from chatkit_host.server.attachments.storage import FileStorage
from chatkit_host.server.store import AttachmentRecord, Store

MB = 1024 * 1024
#: Image types the OpenAI APIs read as image input.
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
FILE_TYPES = frozenset({"application/pdf"})
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/xml",
        "application/yaml",
        "application/x-yaml",
        "application/toml",
        "application/javascript",
        "application/x-javascript",
        "application/typescript",
        "application/x-python",
        "application/x-sh",
        "application/sql",
        "application/csv",
        "application/x-ndjson",
        "application/graphql",
    }
)
_TEXT_SUFFIXES = frozenset(
    [
        ".txt",
        ".md",
        ".markdown",
        ".rst",
        ".csv",
        ".tsv",
        ".json",
        ".jsonl",
        ".yaml",
        ".yml",
        ".toml",
        ".ini",
        ".cfg",
        ".conf",
        ".log",
        ".xml",
        ".html",
        ".htm",
        ".css",
        ".py",
        ".js",
        ".mjs",
        ".ts",
        ".tsx",
        ".jsx",
        ".go",
        ".rs",
        ".java",
        ".kt",
        ".c",
        ".h",
        ".cc",
        ".cpp",
        ".hpp",
        ".cs",
        ".rb",
        ".php",
        ".swift",
        ".scala",
        ".sh",
        ".bash",
        ".sql",
        ".r",
        ".lua",
        ".pl",
        ".env",
        ".gitignore",
        ".dockerfile",
    ]
)
#: Base64-encoding more than this is handed to a thread: 1 MiB took 1.3 ms here, 20 MiB 120 ms (timeit, 2 busy
#: cores), too long to hold the event loop; below it the thread hop costs more than it saves.
_ENCODE_IN_THREAD = 1 * MB


@dataclass(frozen=True)
class AttachmentBudget:
    """How much of the users' attachments a workflow's model calls carry (``attachments:`` in YAML,
    ``ATTACHMENTS = {...}`` in Python); documented in docs/workflows.md."""

    #: Bytes of attachments (as stored, before encoding) sent with one turn, newest message first.
    max_bytes_per_turn: int = 20 * MB
    #: How many of the latest user messages (the current one included) send their attachments; older ones send
    #: a placeholder naming the file.
    history_turns: int = 3
    #: Characters of a text file inlined; the rest is cut, with a note.
    text_chars: int = 100_000

    @classmethod
    def parse(cls, raw: Any) -> AttachmentBudget:
        """From a definition's mapping; ValueError names what is wrong."""
        if raw is None:
            return cls()
        if not isinstance(raw, dict):
            raise ValueError("attachments must be a mapping of max_bytes_per_turn, history_turns, text_chars")
        unknown = set(raw) - {"max_bytes_per_turn", "history_turns", "text_chars"}
        if unknown:
            raise ValueError(f"attachments: unknown setting(s) {', '.join(sorted(map(str, unknown)))}")
        for key, value in raw.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"attachments.{key} must be a whole number of at least 0")
        return cls(**raw)


def kind_of(mime_type: str, name: str) -> str:
    """``image``, ``file``, ``text`` or ``other``: how an attachment reaches the model."""
    mime = mime_type.lower().split(";")[0].strip()
    if mime in IMAGE_TYPES:
        return "image"
    if mime in FILE_TYPES:
        return "file"
    if mime.startswith("text/") or mime in _TEXT_TYPES or mime.endswith(("+json", "+xml")):
        return "text"
    if PurePosixPath(name.lower()).suffix in _TEXT_SUFFIXES or name.lower() in ("dockerfile", "makefile"):
        return "text"
    return "other"


def label(name: str, mime_type: str, size: int | None) -> str:
    shown = f"{size} bytes" if size is not None else "size unknown"
    return f"[attachment: {name} ({mime_type}, {shown})]"


def _text(text: str) -> ResponseInputTextParam:
    return ResponseInputTextParam(type="input_text", text=text)


@dataclass
class _Planned:
    record: AttachmentRecord | None
    #: Why the bytes are not sent (None: they are).
    withheld: str | None


class AttachmentInputs:
    """Reads attachment records and bytes for the converter; one per server."""

    def __init__(self, store: Store, files: FileStorage) -> None:
        self.store = store
        self.files = files

    async def plan(self, items: Sequence[ThreadItem], budget: AttachmentBudget) -> AttachmentParts:
        """Decide, newest message first, which attachments of ``items`` send their bytes."""
        # Every user message counts towards ``history_turns``, with files or without.
        users = [item for item in items if isinstance(item, UserMessageItem)]
        planned: dict[str, _Planned] = {}
        left = budget.max_bytes_per_turn
        for index, item in enumerate(reversed(users)):
            for attachment in item.attachments:
                if index >= budget.history_turns:
                    why = f"sent with an earlier message; only the latest {budget.history_turns} send their files"
                    planned[attachment.id] = _Planned(None, why)
                    continue
                record = await self.store.get_attachment(attachment.id)
                if record is None or record.storage_key is None or record.size is None:
                    planned[attachment.id] = _Planned(record, "its bytes are no longer stored")
                    continue
                kind = kind_of(record.mime_type, record.name)
                if kind == "other":
                    planned[attachment.id] = _Planned(record, "this kind of file is not sent to the model")
                    continue
                cost = min(record.size, budget.text_chars * 4) if kind == "text" else record.size
                if cost > left:
                    why = f"over this workflow's attachment budget of {budget.max_bytes_per_turn} bytes per turn"
                    planned[attachment.id] = _Planned(record, why)
                    continue
                left -= cost
                planned[attachment.id] = _Planned(record, None)
        return AttachmentParts(self.files, budget, planned)


class AttachmentParts:
    """The content parts of one turn's attachments, as planned by :meth:`AttachmentInputs.plan`."""

    def __init__(self, files: FileStorage, budget: AttachmentBudget, planned: dict[str, _Planned]) -> None:
        self.files = files
        self.budget = budget
        self.planned = planned
        #: How many attachments this turn sends as image or file input (a provider refusal then names them).
        self.binary_sent = 0

    async def _read(self, key: str, limit: int) -> bytes:
        data = bytearray()
        async for chunk in self.files.open(key):
            data += chunk
            if len(data) >= limit:
                break
        return bytes(data[:limit])

    async def parts(self, attachment: Attachment) -> list[ResponseInputContentParam]:
        """The announcing line and the content of ``attachment`` (one text part when the content is text)."""
        planned = self.planned.get(attachment.id) or _Planned(None, "it was not found")
        record = planned.record
        name, mime = attachment.name, attachment.mime_type
        head = label(name, mime, record.size if record is not None else None)
        if planned.withheld is not None or record is None or record.storage_key is None:
            return [_text(f"{head} not sent: {planned.withheld or 'it was not found'}.")]
        kind = kind_of(record.mime_type, record.name)
        if kind == "text":
            return [_text(await self._inline(head, record))]
        data = await self._read(record.storage_key, record.size or 0)
        encoded = (
            await asyncio.to_thread(base64.b64encode, data) if len(data) > _ENCODE_IN_THREAD else base64.b64encode(data)
        )
        url = f"data:{record.mime_type};base64,{encoded.decode()}"
        self.binary_sent += 1
        if kind == "image":
            return [_text(head), ResponseInputImageParam(type="input_image", image_url=url, detail="auto")]
        return [_text(head), ResponseInputFileParam(type="input_file", file_data=url, filename=name)]

    async def _inline(self, head: str, record: AttachmentRecord) -> str:
        assert record.storage_key is not None
        cap = self.budget.text_chars
        # UTF-8 takes at most 4 bytes a character: this many bytes hold the first ``cap`` characters.
        data = await self._read(record.storage_key, cap * 4)
        text = data.decode("utf-8", errors="replace")
        size = record.size or len(data)
        if len(text) > cap or size > len(data):
            shown = text[:cap]
            return f"{head}\n{shown}\n[cut: the first {len(shown)} characters of a {size}-byte file were sent]"
        return f"{head}\n{text}"
