"""``build_chunk`` builds exactly what the openai client builds, for every chunk shape providers stream."""

from __future__ import annotations

from typing import Any

import pytest
from openai._models import construct_type
from openai.types.chat import ChatCompletionChunk
from openai.types.responses import ResponseStreamEvent
from pydantic import BaseModel

from chatkit_host.server.workflows.fast_chunks import StreamingClient, build_chunk, build_event


def _chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "created": 1_764_600_000,
        "model": "m",
        "system_fingerprint": None,
        "choices": choices,
        **extra,
    }


def _choice(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}


SHAPES: dict[str, dict[str, Any]] = {
    "first (role)": _chunk([_choice({"role": "assistant", "content": "", "refusal": None})]),
    "text": _chunk([_choice({"content": "tok "})]),
    "text, minimal keys": {
        "id": "x",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "a"}}],
    },
    "finish": _chunk([_choice({}, "stop")]),
    "tool call start": _chunk(
        [
            _choice(
                {
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": ""},
                        }
                    ]
                }
            )
        ]
    ),
    "tool call arguments": _chunk([_choice({"tool_calls": [{"index": 0, "function": {"arguments": '{"q": '}}]})]),
    "two tool calls": _chunk(
        [
            _choice(
                {
                    "tool_calls": [
                        {"index": 0, "function": {"arguments": "{}"}},
                        {"index": 1, "id": "c2", "type": "function", "function": {"name": "b"}},
                    ]
                }
            )
        ]
    ),
    "legacy function_call": _chunk([_choice({"function_call": {"name": "f", "arguments": "{}"}})]),
    "refusal": _chunk([_choice({"refusal": "I can't"})]),
    "usage only": _chunk(
        [],
        usage={
            "prompt_tokens": 20,
            "completion_tokens": 5,
            "total_tokens": 25,
            "prompt_tokens_details": {"cached_tokens": 3, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 2, "accepted_prediction_tokens": 0},
        },
    ),
    "usage without details": _chunk([], usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}),
    "provider extras": _chunk(
        [_choice({"content": "x", "reasoning_content": "thinking", "reasoning": {"summary": "s"}})],
        obfuscation="abc",
        service_tier="default",
        provider="vllm",
    ),
    "usage null": _chunk([_choice({"content": "x"})], usage=None),
}

#: Shapes left to the client's own constructor (build_chunk returns None for them).
DEFERRED: dict[str, dict[str, Any]] = {
    "log probabilities": _chunk([{**_choice({"content": "x"}), "logprobs": {"content": [], "refusal": None}}]),
    "audio": _chunk([_choice({"audio": {"id": "a", "data": "AAAA"}})]),
    "choices not a list": {**_chunk([]), "choices": {"0": {}}},
    "delta not a dict": _chunk([{"index": 0, "delta": "x"}]),
}


def _state(value: Any) -> Any:
    """Everything observable about a constructed value: class, fields, fields-set and extras, recursively."""
    if isinstance(value, BaseModel):
        return (
            type(value),
            {name: _state(v) for name, v in value.__dict__.items()},
            frozenset(value.model_fields_set),
            {name: _state(v) for name, v in (value.model_extra or {}).items()},
        )
    if isinstance(value, list):
        return [_state(v) for v in value]
    if isinstance(value, dict):
        return {k: _state(v) for k, v in value.items()}
    return value


@pytest.mark.parametrize("name", list(SHAPES))
def test_build_chunk_matches_the_client(name: str) -> None:
    data = SHAPES[name]
    ours = build_chunk(data)
    theirs = construct_type(type_=ChatCompletionChunk, value=data)
    assert ours is not None
    assert _state(ours) == _state(theirs)
    assert ours.model_dump() == theirs.model_dump()  # type: ignore[union-attr]


def test_provider_extras_stay_readable_as_attributes() -> None:
    chunk = build_chunk(SHAPES["provider extras"])
    assert chunk is not None
    assert chunk.choices[0].delta.reasoning_content == "thinking"  # type: ignore[attr-defined]
    assert chunk.obfuscation == "abc"  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(DEFERRED))
def test_unknown_shapes_are_left_to_the_client(name: str) -> None:
    assert build_chunk(DEFERRED[name]) is None


def test_the_client_uses_build_chunk_only_for_chat_chunks() -> None:
    client = StreamingClient(api_key="unused", base_url="http://127.0.0.1:9/v1")
    data = SHAPES["text"]
    chunk = client._process_response_data(data=data, cast_to=ChatCompletionChunk, response=None)  # type: ignore[arg-type]
    assert _state(chunk) == _state(build_chunk(data))
    # Anything else keeps the client's own path (here: a plain object is returned as is).
    assert client._process_response_data(data=data, cast_to=object, response=None) is data  # type: ignore[arg-type]


TEXT_DELTA = {
    "type": "response.output_text.delta",
    "sequence_number": 5,
    "item_id": "msg_1",
    "output_index": 0,
    "content_index": 0,
    "delta": "tok ",
    "logprobs": [],
}
EVENTS: dict[str, dict[str, Any]] = {
    "text delta": TEXT_DELTA,
    "text delta with obfuscation": {**TEXT_DELTA, "obfuscation": "a1b2"},
    "text delta without logprobs": {k: v for k, v in TEXT_DELTA.items() if k != "logprobs"},
}
OTHER_EVENTS: dict[str, dict[str, Any]] = {
    "with log probabilities": {**TEXT_DELTA, "logprobs": [{"token": "tok", "logprob": -0.1, "top_logprobs": []}]},
    "text done": {**TEXT_DELTA, "type": "response.output_text.done", "text": "tok"},
    "reasoning delta": {
        "type": "response.reasoning_summary_text.delta",
        "sequence_number": 1,
        "item_id": "r",
        "output_index": 0,
        "summary_index": 0,
        "delta": "x",
    },
}


@pytest.mark.parametrize("name", list(EVENTS))
def test_build_event_matches_the_client(name: str) -> None:
    data = EVENTS[name]
    ours = build_event(data)
    theirs = construct_type(type_=ResponseStreamEvent, value=data)
    assert ours is not None
    assert _state(ours) == _state(theirs)


@pytest.mark.parametrize("name", list(OTHER_EVENTS))
def test_other_responses_events_are_left_to_the_client(name: str) -> None:
    assert build_event(OTHER_EVENTS[name]) is None


def test_the_client_builds_responses_text_deltas_itself() -> None:
    client = StreamingClient(api_key="unused", base_url="http://127.0.0.1:9/v1")
    built = client._process_response_data(data=TEXT_DELTA, cast_to=ResponseStreamEvent, response=None)  # type: ignore[arg-type]
    assert _state(built) == _state(construct_type(type_=ResponseStreamEvent, value=TEXT_DELTA))
    done = OTHER_EVENTS["text done"]
    other = client._process_response_data(data=done, cast_to=ResponseStreamEvent, response=None)  # type: ignore[arg-type]
    assert _state(other) == _state(construct_type(type_=ResponseStreamEvent, value=done))
