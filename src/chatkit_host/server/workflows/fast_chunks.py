"""Streamed Chat Completions chunks and Responses text deltas built without the ``openai`` client's constructor.

On the real model path the official client turns every streamed chunk into a ``ChatCompletionChunk`` through
``construct_type``, which walks the type annotations of every field on every chunk: in a py-spy profile of
``bench/real_path.py`` that was 37% of the server's main-thread CPU at 200 chunks per turn, more than the Agents
SDK and chatkit-host together. A chunk has a small, fixed shape, so :func:`build_chunk` fills the same pydantic
objects directly (``__dict__``, fields-set and extras, as ``model_construct`` leaves them, without its per-field
default handling): about 7x cheaper per chunk, measured with ``timeit`` on a text chunk.

The objects are the client's own classes with the same field values, fields-set and extras (provider additions
such as ``reasoning_content`` stay readable as attributes), so the Agents SDK reads them exactly as before;
``tests/test_fast_chunks.py`` compares the two constructions on every chunk shape we know. A chunk of any other
shape (log probabilities, audio, a field that is not a dict where one is expected) goes to the client's own
constructor. On the Responses API the same holds for its most frequent event, ``response.output_text.delta``
(the client resolves the 50-member ``ResponseStreamEvent`` union for each one: ~240 µs each on a loaded machine);
every other Responses event keeps the client's constructor.

This borrows one private method of the client (``_process_response_data``). Its signature is checked at import;
if it ever differs, :class:`StreamingClient` is the plain ``AsyncOpenAI`` and nothing else changes.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any, TypeVar

from openai import AsyncOpenAI
from openai.types.chat import ChatCompletionChunk
from openai.types.chat.chat_completion_chunk import (
    Choice,
    ChoiceDelta,
    ChoiceDeltaFunctionCall,
    ChoiceDeltaToolCall,
    ChoiceDeltaToolCallFunction,
)
from openai.types.completion_usage import CompletionTokensDetails, CompletionUsage, PromptTokensDetails
from openai.types.responses import ResponseStreamEvent, ResponseTextDeltaEvent
from pydantic import BaseModel

logger = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


def _defaults(model: type[BaseModel]) -> dict[str, Any]:
    # Every field of these classes is optional or has a plain default; required ones are always sent.
    return {
        name: None if field.is_required() else field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
    }


_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {
    model: _defaults(model)
    for model in (
        ChatCompletionChunk,
        Choice,
        ChoiceDelta,
        ChoiceDeltaFunctionCall,
        ChoiceDeltaToolCall,
        ChoiceDeltaToolCallFunction,
        CompletionUsage,
        CompletionTokensDetails,
        PromptTokensDetails,
        ResponseTextDeltaEvent,
    )
}
_FIELDS: dict[type[BaseModel], frozenset[str]] = {model: frozenset(model.model_fields) for model in _DEFAULTS}
_set = object.__setattr__


class _Unexpected(Exception):
    """The payload has a shape :func:`build_chunk` does not fill itself."""


def _fill(model: type[M], values: Any, *, extras_are_set: bool = False) -> M:
    if not isinstance(values, dict):
        raise _Unexpected
    fields = _FIELDS[model]
    state = dict(_DEFAULTS[model])
    extra: dict[str, Any] = {}
    for key, value in values.items():
        if key in fields:
            state[key] = value
        else:
            extra[key] = value
    instance = model.__new__(model)
    _set(instance, "__dict__", state)
    # The client counts extra keys as set when it resolves a union (Responses events), not for a plain model.
    _set(instance, "__pydantic_fields_set__", set(values) if extras_are_set else {k for k in values if k in fields})
    _set(instance, "__pydantic_extra__", extra)
    _set(instance, "__pydantic_private__", None)
    return instance


def _nested(values: dict[str, Any], key: str, model: type[BaseModel]) -> dict[str, Any]:
    value = values.get(key)
    if value is None:
        return values
    return {**values, key: _fill(model, value)}


def _tool_call(values: Any) -> ChoiceDeltaToolCall:
    if not isinstance(values, dict):
        raise _Unexpected
    return _fill(ChoiceDeltaToolCall, _nested(values, "function", ChoiceDeltaToolCallFunction))


def _choice(values: Any) -> Choice:
    if not isinstance(values, dict) or values.get("logprobs") is not None:
        raise _Unexpected
    delta = values.get("delta")
    if not isinstance(delta, dict) or delta.get("audio") is not None:
        raise _Unexpected
    delta = _nested(delta, "function_call", ChoiceDeltaFunctionCall)
    tool_calls = delta.get("tool_calls")
    if tool_calls is not None:
        if not isinstance(tool_calls, list):
            raise _Unexpected
        delta = {**delta, "tool_calls": [_tool_call(call) for call in tool_calls]}
    return _fill(Choice, {**values, "delta": _fill(ChoiceDelta, delta)})


def _usage(values: Any) -> CompletionUsage:
    if not isinstance(values, dict):
        raise _Unexpected
    values = _nested(values, "completion_tokens_details", CompletionTokensDetails)
    return _fill(CompletionUsage, _nested(values, "prompt_tokens_details", PromptTokensDetails))


def build_chunk(data: dict[str, Any]) -> ChatCompletionChunk | None:
    """The chunk the client would build from ``data``, or None when ``data`` has a shape left to the client."""
    try:
        choices = data.get("choices")
        if not isinstance(choices, list):
            return None
        values = {**data, "choices": [_choice(choice) for choice in choices]}
        if values.get("usage") is not None:
            values["usage"] = _usage(values["usage"])
        return _fill(ChatCompletionChunk, values)
    except _Unexpected:
        return None


def build_event(data: dict[str, Any]) -> ResponseTextDeltaEvent | None:
    """The ``response.output_text.delta`` event the client would build, or None for any other event."""
    if data.get("type") != "response.output_text.delta" or data.get("logprobs"):
        return None  # log probabilities are objects of their own: left to the client
    if not isinstance(data.get("delta"), str):
        return None
    return _fill(ResponseTextDeltaEvent, data, extras_are_set=True)


def _borrowable() -> bool:
    try:
        parameters = inspect.signature(AsyncOpenAI._process_response_data).parameters
    except (AttributeError, TypeError, ValueError):
        return False
    expected = {"data", "cast_to", "response"}
    keyword_only = {n for n, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY}
    return expected <= keyword_only


if _borrowable():

    class StreamingClient(AsyncOpenAI):
        """``AsyncOpenAI`` that builds streamed chunks (:func:`build_chunk`) and text deltas (:func:`build_event`)."""

        def _process_response_data(self, *, data: object, cast_to: Any, response: Any) -> Any:
            if isinstance(data, dict) and not self._strict_response_validation:
                built: BaseModel | None = None
                if cast_to is ChatCompletionChunk:
                    built = build_chunk(data)
                elif cast_to is ResponseStreamEvent:
                    built = build_event(data)
                if built is not None:
                    return built
            return super()._process_response_data(data=data, cast_to=cast_to, response=response)

else:  # pragma: no cover - only when a future openai release changes the borrowed method
    logger.warning("openai's AsyncOpenAI._process_response_data changed; streaming chunks use the client's builder")
    StreamingClient = AsyncOpenAI  # type: ignore[misc,assignment]
