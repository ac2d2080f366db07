"""An OpenAI client's HTTP layer that answers like the offline stand-in, for code that builds its own client.

An Agent Builder export builds ``AsyncOpenAI()`` at import (its guardrails and file search use it). On a
server without a provider that client is handed this transport (``python_load.py``): non-streamed Chat
Completions and Responses requests get the stand-in's labelled placeholder (or the smallest value fitting a
requested JSON schema, as :class:`~chatkit_host.server.workflows.offline.OfflineModel` does), so the export
publishes and runs offline; anything else is an OpenAI error envelope saying that no provider is configured.
No request leaves the process.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import orjson

from chatkit_host.server.workflows.offline import OFFLINE_MODEL, echo_reply, example_for_schema


def _error(status: int, message: str) -> httpx.Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": "offline"}}
    return httpx.Response(status, json=body)


def _schema_of(body: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON schema a request asks the answer to fit, on either API."""
    chat = body.get("response_format") or {}
    responses = (body.get("text") or {}).get("format") or {}
    for fmt in (chat.get("json_schema") or {}, responses):
        schema = fmt.get("schema")
        if isinstance(schema, dict):
            return schema
    return None


def _answer(body: dict[str, Any]) -> str:
    schema = _schema_of(body)
    if schema is not None:
        return orjson.dumps(example_for_schema(schema)).decode()
    said = [m.get("content") for m in body.get("messages", []) if m.get("role") == "user"] or [body.get("input")]
    return echo_reply(said[-1] if isinstance(said[-1], str) else "")


def _usage_chat(text: str) -> dict[str, int]:
    out = max(1, len(text) // 4)
    return {"prompt_tokens": 1, "completion_tokens": out, "total_tokens": 1 + out}


def respond(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.method != "POST" or not (path.endswith("/chat/completions") or path.endswith("/responses")):
        return _error(404, f"No language model is configured on this server; {path} has no offline stand-in.")
    body = orjson.loads(request.content or b"{}")
    if body.get("stream"):
        return _error(400, "No language model is configured on this server; its stand-in does not stream here.")
    text = _answer(body)
    now = int(time.time())
    if path.endswith("/chat/completions"):
        message = {"role": "assistant", "content": text, "refusal": None}
        choice = {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
        completion = {"id": f"chatcmpl-offline{time.time_ns()}", "object": "chat.completion", "created": now}
        return httpx.Response(
            200, json=completion | {"model": OFFLINE_MODEL, "choices": [choice], "usage": _usage_chat(text)}
        )
    output = {
        "id": f"msg_offline{time.time_ns()}",
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }
    usage = _usage_chat(text)
    response = {
        "id": f"resp_offline{time.time_ns()}",
        "object": "response",
        "created_at": now,
        "status": "completed",
        "model": OFFLINE_MODEL,
        "output": [output],
        "parallel_tool_calls": False,
        "tool_choice": "auto",
        "tools": [],
        "usage": {
            "input_tokens": usage["prompt_tokens"],
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": usage["completion_tokens"],
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": usage["total_tokens"],
        },
    }
    return httpx.Response(200, json=response)


def offline_http_client(asynchronous: bool) -> httpx.AsyncClient | httpx.Client:
    """An HTTP client whose every request is answered in process by :func:`respond`."""
    # MockTransport serves both kinds of client (it awaits only what the handler returns as awaitable).
    transport = httpx.MockTransport(respond)
    return httpx.AsyncClient(transport=transport) if asynchronous else httpx.Client(transport=transport)
