"""A fake OpenAI-compatible HTTP server for tests: real uvicorn on loopback, scripted answers, every request kept.

It speaks ``POST /v1/chat/completions`` and ``POST /v1/responses``, streaming (SSE, framed like OpenAI's:
chunk objects and ``[DONE]`` for Chat Completions, ``event:``/``data:`` pairs with sequence numbers for
Responses) or not, including function tool calls and usage. A test queues :class:`Reply` objects with
:meth:`FakeOpenAI.script`; when the queue is empty it answers ``"fake reply N"``. Use it as::

    fake = start_fake_openai(server_stack)          # or the ``fake_openai`` fixture of tests/conftest.py
    fake.script(Reply(tool_calls=[ToolCall("lookup", {"id": "A1"})]), Reply(text="Shipped."))
    ... point Settings(openai_base_url=fake.base_url + "/v1") at it ...
    assert fake.requests[0].body["messages"][0]["content"] == "..."
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.support.servers import serve_in_thread


@dataclass
class ToolCall:
    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    call_id: str | None = None

    def arguments_json(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass
class Reply:
    """One scripted model answer: text, tool calls, or both, with the usage to report."""

    text: str | None = None
    tool_calls: list[ToolCall] = field(default_factory=list)
    input_tokens: int = 11
    output_tokens: int = 7
    #: Seconds to wait before answering (for cancellation tests).
    delay: float = 0.0
    #: Seconds to wait between streamed frames (to act while a reply is streaming).
    chunk_delay: float = 0.0
    #: Answer with this HTTP error status and OpenAI's error envelope instead of a completion.
    error_status: int | None = None


@dataclass
class RecordedRequest:
    path: str
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def api(self) -> str:
        return "chat_completions" if self.path.endswith("/chat/completions") else "responses"

    def system_text(self) -> str:
        """The instructions the model was given, whichever API carried them."""
        if self.api == "responses":
            return str(self.body.get("instructions") or "")
        return " ".join(
            _text(m.get("content")) for m in self.body.get("messages", []) if m.get("role") in ("system", "developer")
        )

    def transcript(self) -> str:
        """Every user/assistant/tool text the request carried, in order, as one string (for assertions)."""
        if self.api == "responses":
            items = self.body.get("input", [])
            if isinstance(items, str):
                return items
            return "\n".join(_text(i.get("content")) or str(i.get("output") or "") for i in items)
        return "\n".join(
            _text(m.get("content")) for m in self.body.get("messages", []) if m.get("role") not in ("system",)
        )


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def _chunks(text: str, size: int = 4) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


class FakeOpenAI:
    """The server's state: the reply queue and the requests received (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[Reply] = []
        self.requests: list[RecordedRequest] = []
        self.rule: Callable[[RecordedRequest], Reply | None] | None = None
        self._counter = itertools.count(1)
        self.base_url = ""

    def script(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def _next(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.rule is not None:
                chosen = self.rule(request)
                if chosen is not None:
                    return chosen
            if self._queue:
                return self._queue.pop(0)
            return Reply(text=f"fake reply {next(self._counter)}")

    # -- the ASGI app ---------------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/chat/completions", self._chat, methods=["POST"]),
                Route("/v1/responses", self._responses, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/v1/audio/transcriptions", self._transcriptions, methods=["POST"]),
            ]
        )

    async def _models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "fake-model", "object": "model", "owned_by": "t"}]})

    async def _record(self, request: Request) -> tuple[RecordedRequest, Reply]:
        body = await request.json()
        recorded = RecordedRequest(path=request.url.path, body=body, headers=dict(request.headers))
        reply = self._next(recorded)
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return recorded, reply

    async def _transcriptions(self, request: Request) -> Response:
        """Speech-to-text as OpenAI answers it: a multipart upload in, ``{"text": ...}`` out."""
        async with request.form() as form:
            upload = form["file"]
            assert not isinstance(upload, str)
            body = {
                "model": form["model"],
                "filename": upload.filename,
                "content_type": upload.content_type,
                "audio": await upload.read(),
            }
        reply = self._next(RecordedRequest(path=request.url.path, body=body, headers=dict(request.headers)))
        if reply.error_status:
            return self._error(reply)
        return JSONResponse({"text": reply.text or "", "usage": {"type": "duration", "seconds": 1}})

    # Chat Completions -------------------------------------------------------------------------------

    @staticmethod
    def _error(reply: Reply) -> Response:
        body = {"error": {"message": "scripted failure", "type": "invalid_request_error", "param": None, "code": None}}
        return JSONResponse(body, status_code=reply.error_status or 500)

    async def _chat(self, request: Request) -> Response:
        recorded, reply = await self._record(request)
        if reply.error_status:
            return self._error(reply)
        body = recorded.body
        model = body.get("model", "fake-model")
        completion_id = f"chatcmpl-fake{time.time_ns()}"
        created = int(time.time())
        calls = [(c, c.call_id or f"call_fake{n}_{time.time_ns()}") for n, c in enumerate(reply.tool_calls)]
        usage = {
            "prompt_tokens": reply.input_tokens,
            "completion_tokens": reply.output_tokens,
            "total_tokens": reply.input_tokens + reply.output_tokens,
        }
        finish = "tool_calls" if calls else "stop"
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": reply.text, "refusal": None}
            if calls:
                message["tool_calls"] = [
                    {"id": cid, "type": "function", "function": {"name": c.name, "arguments": c.arguments_json()}}
                    for c, cid in calls
                ]
            return JSONResponse(
                {
                    "id": completion_id,
                    "object": "chat.completion",
                    "created": created,
                    "model": model,
                    "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                    "usage": usage,
                }
            )
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

        def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> str:
            payload = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason, "logprobs": None}],
            }
            if include_usage:
                payload["usage"] = None
            return f"data: {json.dumps(payload)}\n\n"

        def frames() -> Iterator[str]:
            yield chunk({"role": "assistant", "content": "", "refusal": None})
            if reply.text:
                for piece in _chunks(reply.text):
                    yield chunk({"content": piece})
            for index, (call, cid) in enumerate(calls):
                yield chunk(
                    {
                        "tool_calls": [
                            {
                                "index": index,
                                "id": cid,
                                "type": "function",
                                "function": {"name": call.name, "arguments": ""},
                            }
                        ]
                    }
                )
                for piece in _chunks(call.arguments_json(), 8):
                    yield chunk({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
            yield chunk({}, finish)
            if include_usage:
                tail = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
                yield f"data: {json.dumps(tail | {'choices': [], 'usage': usage})}\n\n"
            yield "data: [DONE]\n\n"

        return StreamingResponse(_aiter(frames(), reply.chunk_delay), media_type="text/event-stream")

    # Responses --------------------------------------------------------------------------------------

    async def _responses(self, request: Request) -> Response:
        recorded, reply = await self._record(request)
        if reply.error_status:
            return self._error(reply)
        body = recorded.body
        response_id = f"resp_fake{time.time_ns()}"
        output: list[dict[str, Any]] = []
        if reply.text is not None:
            output.append(
                {
                    "id": f"msg_fake{time.time_ns()}",
                    "type": "message",
                    "role": "assistant",
                    "status": "completed",
                    "content": [{"type": "output_text", "text": reply.text, "annotations": [], "logprobs": []}],
                }
            )
        for n, call in enumerate(reply.tool_calls):
            output.append(
                {
                    "id": f"fc_fake{n}_{time.time_ns()}",
                    "type": "function_call",
                    "status": "completed",
                    "call_id": call.call_id or f"call_fake{n}_{time.time_ns()}",
                    "name": call.name,
                    "arguments": call.arguments_json(),
                }
            )
        usage = {
            "input_tokens": reply.input_tokens,
            "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": reply.output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": reply.input_tokens + reply.output_tokens,
        }
        response = {
            "id": response_id,
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "model": body.get("model", "fake-model"),
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "instructions": body.get("instructions"),
            "usage": usage,
        }
        if not body.get("stream"):
            return JSONResponse(response)
        seq = itertools.count()

        def event(kind: str, **fields: Any) -> str:
            payload = {"type": kind, "sequence_number": next(seq), **fields}
            return f"event: {kind}\ndata: {json.dumps(payload)}\n\n"

        def frames() -> Iterator[str]:
            started = response | {"status": "in_progress", "output": [], "usage": None}
            yield event("response.created", response=started)
            yield event("response.in_progress", response=started)
            for index, item in enumerate(output):
                if item["type"] == "message":
                    text = item["content"][0]["text"]
                    yield event(
                        "response.output_item.added",
                        output_index=index,
                        item=item | {"status": "in_progress", "content": []},
                    )
                    empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
                    yield event(
                        "response.content_part.added",
                        item_id=item["id"],
                        output_index=index,
                        content_index=0,
                        part=empty,
                    )
                    for piece in _chunks(text):
                        yield event(
                            "response.output_text.delta",
                            item_id=item["id"],
                            output_index=index,
                            content_index=0,
                            delta=piece,
                            logprobs=[],
                        )
                    yield event(
                        "response.output_text.done",
                        item_id=item["id"],
                        output_index=index,
                        content_index=0,
                        text=text,
                        logprobs=[],
                    )
                    yield event(
                        "response.content_part.done",
                        item_id=item["id"],
                        output_index=index,
                        content_index=0,
                        part=item["content"][0],
                    )
                else:
                    yield event(
                        "response.output_item.added",
                        output_index=index,
                        item=item | {"status": "in_progress", "arguments": ""},
                    )
                    for piece in _chunks(item["arguments"], 8):
                        yield event(
                            "response.function_call_arguments.delta",
                            item_id=item["id"],
                            output_index=index,
                            delta=piece,
                        )
                    yield event(
                        "response.function_call_arguments.done",
                        item_id=item["id"],
                        output_index=index,
                        name=item["name"],
                        arguments=item["arguments"],
                    )
                yield event("response.output_item.done", output_index=index, item=item)
            yield event("response.completed", response=response)

        return StreamingResponse(_aiter(frames(), reply.chunk_delay), media_type="text/event-stream")


async def _aiter(frames: Iterator[str], delay: float = 0.0) -> AsyncIterator[str]:
    for frame in frames:
        if delay:
            await asyncio.sleep(delay)
        yield frame


def start_fake_openai(stack: ExitStack) -> FakeOpenAI:
    """Start a fake server that stops when ``stack`` closes."""
    fake = FakeOpenAI()
    fake.base_url = stack.enter_context(serve_in_thread(fake.app()))
    return fake
