"""Server-sent event framing: the one function that turns a ChatKit event into bytes on the wire."""

from __future__ import annotations

from pydantic import BaseModel

#: Attachment ``metadata`` is integration-only; openai-chatkit strips it when this context is set.
SERIALIZE_CONTEXT = {"exclude_metadata": True}


def frame(event: BaseModel) -> bytes:
    """``data: <json>\\n\\n`` with ``None`` fields omitted, exactly as chatkit.js expects."""
    payload = event.model_dump_json(by_alias=True, exclude_none=True, context=SERIALIZE_CONTEXT)
    return b"data: " + payload.encode() + b"\n\n"


def to_json(model: BaseModel) -> bytes:
    """A non-streaming answer, serialised the same way as the events."""
    return model.model_dump_json(by_alias=True, exclude_none=True, context=SERIALIZE_CONTEXT).encode()
