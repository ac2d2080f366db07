"""One server of the real-path benchmark (``bench/real_path.py``), in its own process.

    python bench/real_path_serve.py raw    --port 8001 --model-url http://127.0.0.1:8100/v1
    python bench/real_path_serve.py client --port 8002 --model-url ...
    python bench/real_path_serve.py peer   --port 8003 --model-url ...
    python bench/real_path_serve.py ours   --port 8004 --model-url ... --data-dir DIR --api-key KEY

Every kind streams the same fake model's Chat Completions answer to its client as server-sent events:

- ``raw``: the floor. A plain ASGI endpoint reads the model's SSE with httpx, parses each chunk with orjson and
  writes one SSE frame per chunk. Nothing else: no protocol, no store, no SDK objects.
- ``client``: the same relay through the official ``openai`` client (``chat.completions.create(stream=True)``),
  which builds a pydantic object per chunk.
- ``peer``: what openai-chatkit's documentation builds: a ``ChatKitServer`` whose ``respond`` runs the Agents SDK
  (``Runner.run_streamed``) and converts with ``stream_agent_response``, on an in-memory store.
- ``ours``: ``chatkit-host`` itself (durable SQLite store, session auth), running a one-agent YAML workflow on
  the same model.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import UVICORN_OPTIONS

MODEL = "bench-model"
#: The workflow ``ours`` runs: one text-only agent on the server's default model.
WORKFLOW_YAML = """\
id: bench
name: Real-path benchmark
agents:
  - name: assistant
    instructions: Answer the user.
"""

Scope = dict[str, Any]
Receive = Any
Send = Any


async def _read_body(receive: Receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


async def _stream(send: Send, frames: AsyncIterator[bytes]) -> None:
    headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    async for frame in frames:
        await send({"type": "http.response.body", "body": frame, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _request(text: str) -> dict[str, Any]:
    return {"model": MODEL, "stream": True, "messages": [{"role": "user", "content": text}]}


def raw_app(model_url: str) -> Any:
    client = httpx.AsyncClient(base_url=model_url, timeout=60, limits=httpx.Limits(max_connections=2000))

    async def frames(text: str) -> AsyncIterator[bytes]:
        async with client.stream("POST", "/chat/completions", json=_request(text)) as response:
            async for line in response.aiter_lines():
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                chunk = orjson.loads(line[6:])
                choices = chunk.get("choices") or []
                delta = choices[0].get("delta", {}).get("content") if choices else None
                if delta:
                    yield b"data: " + orjson.dumps({"type": "delta", "delta": delta}) + b"\n\n"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = orjson.loads(await _read_body(receive))
        await _stream(send, frames(body["text"]))

    return app


def client_app(model_url: str) -> Any:
    from openai import AsyncOpenAI

    client = AsyncOpenAI(base_url=model_url, api_key="bench", max_retries=0)

    async def frames(text: str) -> AsyncIterator[bytes]:
        stream = await client.chat.completions.create(
            model=MODEL, stream=True, messages=[{"role": "user", "content": text}]
        )
        async for chunk in stream:
            delta = chunk.choices[0].delta.content if chunk.choices else None
            if delta:
                yield b"data: " + orjson.dumps({"type": "delta", "delta": delta}) + b"\n\n"

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = orjson.loads(await _read_body(receive))
        await _stream(send, frames(body["text"]))

    return app


def peer_app(model_url: str) -> Any:
    from agents import Agent, OpenAIChatCompletionsModel, Runner, set_tracing_disabled
    from baseline_chatkit_server import Context, MemoryStore
    from chatkit.agents import AgentContext, simple_to_agent_input, stream_agent_response
    from chatkit.server import ChatKitServer, StreamingResult
    from chatkit.types import ThreadMetadata, ThreadStreamEvent, UserMessageItem
    from openai import AsyncOpenAI

    # The Agents SDK traces to OpenAI by default; off, like chatkit-host's "ours" row (and nothing leaves the machine).
    set_tracing_disabled(True)
    model = OpenAIChatCompletionsModel(MODEL, openai_client=AsyncOpenAI(base_url=model_url, api_key="bench"))
    agent = Agent(name="assistant", instructions="Answer the user.", model=model)

    class AgentServer(ChatKitServer[Context]):
        async def respond(
            self, thread: ThreadMetadata, input_user_message: UserMessageItem | None, context: Context
        ) -> AsyncIterator[ThreadStreamEvent]:
            agent_context = AgentContext(thread=thread, store=self.store, request_context=context)
            items = await self.store.load_thread_items(thread.id, None, 100, "asc", context)
            result = Runner.run_streamed(agent, await simple_to_agent_input(items.data), context=agent_context)
            async for event in stream_agent_response(agent_context, result):
                yield event

    server = AgentServer(MemoryStore())

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        result = await server.process(await _read_body(receive), {})
        if isinstance(result, StreamingResult):
            await _stream(send, result.__aiter__())
        else:
            payload = result.json if isinstance(result.json, bytes) else result.json.encode()
            await send(
                {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
            )
            await send({"type": "http.response.body", "body": payload})

    return app


def ours_app(model_url: str, data_dir: Path, api_key: str, database: str | None) -> Any:
    from chatkit_host.server.app import create_app
    from chatkit_host.server.settings import Settings

    data_dir.mkdir(parents=True, exist_ok=True)
    workflow = data_dir / "bench.yaml"
    workflow.write_text(WORKFLOW_YAML)
    settings = Settings(
        data_dir=data_dir,
        database_url=database,
        api_keys=(api_key,),
        openai_api_key="bench",
        openai_base_url=model_url,
        openai_api="chat_completions",
        default_model=MODEL,
        workflow_paths=(workflow,),
    )
    return create_app(settings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["raw", "client", "peer", "ours"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model-url", required=True)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--api-key")
    parser.add_argument("--database")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.kind == "raw":
        app = raw_app(args.model_url)
    elif args.kind == "client":
        app = client_app(args.model_url)
    elif args.kind == "peer":
        app = peer_app(args.model_url)
    else:
        app = ours_app(args.model_url, args.data_dir, args.api_key, args.database)
    lifespan = "on" if args.kind == "ours" else "off"
    uvicorn.run(app, port=args.port, **(UVICORN_OPTIONS | {"timeout_keep_alive": 60, "lifespan": lifespan}))


if __name__ == "__main__":
    main()
