"""Model providers configured once per server, and the wrapper every workflow's agents run through.

``ModelRouter`` maps a model name onto a provider: OpenAI (Responses or Chat Completions) when a key is set,
any OpenAI-compatible endpoint when a base URL is set, and the offline stand-in otherwise. ``HostModel`` is
what agents hold: it resolves the name per call (so ``inference_options.model`` can switch it), prepends
the thread's earlier turns for code that passes only the latest message, and records usage and spans.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import AsyncIterator
from typing import Any

from agents import AgentOutputSchemaBase, Handoff, ModelResponse, ModelSettings, Tool, TResponseInputItem
from agents.models.interface import Model, ModelTracing
from agents.models.openai_provider import OpenAIProvider
from agents.tracing import get_current_span
from openai import AsyncOpenAI
from openai.types.responses import ResponseStreamEvent

from chatkit_host.server.settings import Settings
from chatkit_host.server.workflows.export_stream import collect_response, streams_text
from chatkit_host.server.workflows.fast_chunks import StreamingClient
from chatkit_host.server.workflows.offline import OFFLINE_MODEL, OfflineModel
from chatkit_host.server.workflows.run_context import current_run

#: The model the built-in workflow (and agents that name none) use when a provider is configured.
DEFAULT_REMOTE_MODEL = "gpt-4.1-mini"


class ResponsesUnavailable(Exception):
    """An agent needs the Responses API and the provider does not serve it; the message says so to the user."""


class ModelRouter:
    """Resolves model names to Agents SDK models; one per server."""

    def __init__(self, settings: Settings) -> None:
        self._remote: OpenAIProvider | None = None
        #: The Responses API on the same client, for agents with hosted tools when the default is Chat Completions.
        self._responses: OpenAIProvider | None = None
        self._client: AsyncOpenAI | None = None
        self.api = settings.openai_api or ("chat_completions" if settings.openai_base_url else "responses")
        if self.api not in ("responses", "chat_completions"):
            raise ValueError(f"openai_api must be 'responses' or 'chat_completions', not {self.api!r}")
        if settings.openai_api_key or settings.openai_base_url:
            # Our own client (the SDK's default shares one process-wide), closed with the server; it builds
            # Chat Completions stream chunks itself (``fast_chunks.py``: the client's builder cost more than the rest).
            self._client = StreamingClient(
                # Local OpenAI-compatible servers (Ollama, vLLM) take any key; the client insists on one.
                api_key=settings.openai_api_key or "unused",
                base_url=settings.openai_base_url,
            )
            self._remote = OpenAIProvider(openai_client=self._client, use_responses=self.api == "responses")
            if self.api != "responses":
                self._responses = OpenAIProvider(openai_client=self._client, use_responses=True)
        self.default_model = settings.default_model or (DEFAULT_REMOTE_MODEL if self._remote else OFFLINE_MODEL)
        self._models: dict[tuple[str, str | None], Model] = {}

    @property
    def offline(self) -> bool:
        return self._remote is None

    @property
    def client(self) -> AsyncOpenAI | None:
        """The configured provider's client (also used for speech-to-text), or None when offline."""
        return self._client

    def api_for(self, needs: str | None) -> str:
        """The API a model call takes: the one an agent needs (hosted tools need Responses), else the default."""
        return needs if needs is not None and self._remote is not None else self.api

    def resolve(self, name: str | None, needs: str | None = None) -> Model:
        name = name or self.default_model
        api = self.api_for(needs)
        model = self._models.get((name, api))
        if model is None:
            if self._remote is None or name == OFFLINE_MODEL:
                model = OfflineModel(name)
            elif api != self.api and self._responses is not None:
                model = self._responses.get_model(name)
            else:
                model = self._remote.get_model(name)
            self._models[(name, api)] = model
        return model

    def bind(self, name: str | None, needs: str | None = None) -> HostModel:
        """The model of an agent naming ``name``; ``needs="responses"`` when its tools need that API."""
        return HostModel(self, name, needs)

    async def aclose(self) -> None:
        if self._remote is not None:
            await self._remote.aclose()
        if self._responses is not None:
            await self._responses.aclose()
        if self._client is not None:
            await self._client.close()


def _with_history(input: str | list[TResponseInputItem]) -> str | list[TResponseInputItem]:
    run = current_run()
    if run is None or not (run.history_prefix or run.latest_parts):
        return input
    items: list[TResponseInputItem] = [{"role": "user", "content": input}] if isinstance(input, str) else list(input)
    if run.latest_parts:
        items = _with_attachments(items, run.latest_parts)
    return [*run.history_prefix, *items]


def _with_attachments(items: list[TResponseInputItem], parts: list[Any]) -> list[TResponseInputItem]:
    """The export's input with the latest message's attachments added to its first user message (the one the
    export built from ``input_as_text``), or before everything when it has none; the items are not mutated."""
    for index, item in enumerate(items):
        if isinstance(item, dict) and item.get("role") == "user":
            content: Any = item.get("content")
            text = [{"type": "input_text", "text": content}] if isinstance(content, str) else list(content or [])
            merged: Any = {**item, "content": [*text, *parts]}
            return [*items[:index], merged, *items[index + 1 :]]
    first: Any = {"type": "message", "role": "user", "content": parts}
    return [first, *items]


class HostModel(Model):
    """An agent's model as named in its definition, resolved through the server's router on each call."""

    def __init__(self, router: ModelRouter, name: str | None, needs: str | None = None) -> None:
        self.router = router
        self.name = name
        #: The API this agent's calls need whatever the server's default (``"responses"`` for hosted tools).
        self.needs = needs

    def _target(self) -> tuple[str, Model]:
        run = current_run()
        name = (run.model_override if run else None) or self.name or self.router.default_model
        return name, self.router.resolve(name, self.needs)

    def _explain(self, exc: Exception) -> Exception:
        """A provider that cannot serve the Responses API this agent needs: say so, in words (the engine shows
        a :class:`ResponsesUnavailable` as it is); any other failure as it was."""
        if self.needs is None or self.router.api == self.needs or self.router.offline:
            return exc
        status = getattr(exc, "status_code", None)
        if status not in (404, 405, 501):
            return exc
        return ResponsesUnavailable(
            f"This workflow's agent uses hosted tools (web search, file search, ...), which need the Responses "
            f"API, but the configured provider does not serve it (HTTP {status} on /responses). Point "
            "CHATKIT_HOST_OPENAI_BASE_URL at a provider with the Responses API, or remove the hosted tools."
        )

    def _record(
        self,
        name: str,
        started: float,
        input_tokens: int,
        output_tokens: int,
        error: str | None,
        prompt: tuple[str | None, str | list[TResponseInputItem]],
        output: list[Any] | None,
    ) -> None:
        run = current_run()
        if run is None:
            return
        run.add_usage(input_tokens, output_tokens)
        if run.recorder is not None:
            parent = get_current_span()
            run.recorder.add_model_span(
                parent_sdk_id=parent.span_id if parent is not None else None,
                model=name,
                started_at=started,
                ended_at=time.time(),
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                error=error,
                api=self.router.api_for(self.needs) if not self.router.offline else OFFLINE_MODEL,
                # What the model was sent and answered, for the span detail (cut to size in tracing.py).
                instructions=prompt[0],
                input=prompt[1],
                output=output,
            )

    async def get_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: Any | None,
    ) -> ModelResponse:
        run = current_run()
        if run is not None and run.live is not None and streams_text(output_schema):
            # An export's own Runner.run: streamed anyway, so its text reaches the chat as it is generated.
            if model_settings.include_usage is None:
                # Chat Completions streams report usage only when asked to (a non-streamed answer always does).
                model_settings = dataclasses.replace(model_settings, include_usage=True)
            events = self.stream_response(
                system_instructions,
                input,
                model_settings,
                tools,
                output_schema,
                handoffs,
                tracing,
                previous_response_id=previous_response_id,
                conversation_id=conversation_id,
                prompt=prompt,
            )
            return await collect_response(events, run.live)
        name, model = self._target()
        started = time.time()
        sent = _with_history(input)
        try:
            response = await model.get_response(
                system_instructions,
                sent,
                model_settings,
                tools,
                output_schema,
                handoffs,
                tracing,
                previous_response_id=previous_response_id,
                conversation_id=conversation_id,
                prompt=prompt,
            )
        except Exception as exc:
            self._record(name, started, 0, 0, f"{type(exc).__name__}: {exc}", (system_instructions, sent), None)
            explained = self._explain(exc)
            if explained is not exc:
                raise explained from exc
            raise
        usage = response.usage
        self._record(
            name, started, usage.input_tokens, usage.output_tokens, None, (system_instructions, sent), response.output
        )
        return response

    async def stream_response(
        self,
        system_instructions: str | None,
        input: str | list[TResponseInputItem],
        model_settings: ModelSettings,
        tools: list[Tool],
        output_schema: AgentOutputSchemaBase | None,
        handoffs: list[Handoff],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None,
        conversation_id: str | None,
        prompt: Any | None,
    ) -> AsyncIterator[ResponseStreamEvent]:
        name, model = self._target()
        started = time.time()
        input_tokens = output_tokens = 0
        sent = _with_history(input)
        output: list[Any] | None = None
        try:
            async for event in model.stream_response(
                system_instructions,
                sent,
                model_settings,
                tools,
                output_schema,
                handoffs,
                tracing,
                previous_response_id=previous_response_id,
                conversation_id=conversation_id,
                prompt=prompt,
            ):
                if event.type == "response.completed":
                    output = list(event.response.output)
                    if event.response.usage is not None:
                        input_tokens = event.response.usage.input_tokens
                        output_tokens = event.response.usage.output_tokens
                yield event
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            self._record(name, started, input_tokens, output_tokens, error, (system_instructions, sent), output)
            explained = self._explain(exc)
            if explained is not exc:
                raise explained from exc
            raise
        self._record(name, started, input_tokens, output_tokens, None, (system_instructions, sent), output)
