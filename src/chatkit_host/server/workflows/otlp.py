"""Optional OpenTelemetry export of workflow traces: OTLP/HTTP with JSON bodies, GenAI semantic conventions.

Chosen over the ``opentelemetry-sdk`` + ``opentelemetry-exporter-otlp-proto-http`` packages because our spans
are already finished records when a run ends: translating them into one OTLP JSON document and POSTing it
with the httpx client we already depend on needs no new dependency, no second span pipeline and no global
OpenTelemetry provider. Any OTLP/HTTP collector (OpenTelemetry Collector, Jaeger, Tempo, Phoenix) accepts it.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

import httpx

from chatkit_host._version import __version__
from chatkit_host.server.workflows.records import SpanRecord, TraceRecord

logger = logging.getLogger(__name__)

_SPAN_KIND_INTERNAL = 1
_SPAN_KIND_CLIENT = 3
_STATUS_OK = 1
_STATUS_ERROR = 2


def _hex_id(value: str, length: int) -> str:
    # OTLP wants fixed-size hex ids; ours are prefixed strings, so derive stable ones from them.
    return hashlib.sha256(value.encode()).hexdigest()[:length]


def _attribute(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _span_name_and_attributes(span: SpanRecord, trace: TraceRecord) -> tuple[str, int, dict[str, Any]]:
    attributes: dict[str, Any] = {"chatkit.span.kind": span.kind}
    if span.kind == "model":
        attributes |= {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": span.model,
            "gen_ai.usage.input_tokens": span.input_tokens or 0,
            "gen_ai.usage.output_tokens": span.output_tokens or 0,
        }
        return f"chat {span.model}", _SPAN_KIND_CLIENT, attributes
    if span.kind == "agent":
        attributes |= {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": span.name}
        return f"invoke_agent {span.name}", _SPAN_KIND_INTERNAL, attributes
    if span.kind == "tool":
        attributes |= {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": span.name}
        return f"execute_tool {span.name}", _SPAN_KIND_INTERNAL, attributes
    if span.kind == "run":
        attributes |= {
            "gen_ai.operation.name": "invoke_agent",
            "chatkit.workflow.id": trace.workflow_id,
            "chatkit.workflow.version": trace.workflow_version,
            "chatkit.trace.status": trace.status,
            "gen_ai.usage.input_tokens": trace.input_tokens,
            "gen_ai.usage.output_tokens": trace.output_tokens,
        }
        if trace.thread_id:
            attributes["gen_ai.conversation.id"] = trace.thread_id
        if trace.session_id:
            attributes["chatkit.session.id"] = trace.session_id
        if trace.user:
            attributes["enduser.id"] = trace.user
        return span.name, _SPAN_KIND_INTERNAL, attributes
    for key, value in span.data.items():
        if isinstance(value, str | int | float | bool):
            attributes[f"chatkit.{span.kind}.{key}"] = value
    return f"{span.kind} {span.name}", _SPAN_KIND_INTERNAL, attributes


def to_otlp(runs: list[tuple[TraceRecord, list[SpanRecord]]]) -> dict[str, Any]:
    """One ``ExportTraceServiceRequest`` (OTLP JSON) for finished runs."""
    out: list[dict[str, Any]] = []
    for trace, spans in runs:
        trace_hex = _hex_id(trace.id, 32)
        for span in spans:
            name, kind, attributes = _span_name_and_attributes(span, trace)
            otlp: dict[str, Any] = {
                "traceId": trace_hex,
                "spanId": _hex_id(span.id, 16),
                "name": name,
                "kind": kind,
                "startTimeUnixNano": str(int(span.started_at * 1e9)),
                "endTimeUnixNano": str(int(span.ended_at * 1e9)),
                "attributes": [_attribute(k, v) for k, v in attributes.items() if v is not None],
                "status": {"code": _STATUS_ERROR, "message": span.error} if span.error else {"code": _STATUS_OK},
            }
            if span.parent_id:
                otlp["parentSpanId"] = _hex_id(span.parent_id, 16)
            out.append(otlp)
    return {
        "resourceSpans": [
            {
                "resource": {"attributes": [_attribute("service.name", "chatkit-host")]},
                "scopeSpans": [{"scope": {"name": "chatkit_host.workflows", "version": __version__}, "spans": out}],
            }
        ]
    }


def traces_url(endpoint: str) -> str:
    """The collector's base URL (``http://host:4318``) or its full ``/v1/traces`` URL."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith("/v1/traces") else endpoint + "/v1/traces"


class OtlpExporter:
    """POSTs finished runs to an OTLP/HTTP collector; failures are logged, never raised into a turn."""

    def __init__(self, endpoint: str) -> None:
        self.url = traces_url(endpoint)
        self._client = httpx.AsyncClient(timeout=10)

    async def export(self, runs: list[tuple[TraceRecord, list[SpanRecord]]]) -> None:
        if not runs:
            return
        try:
            response = await self._client.post(self.url, json=to_otlp(runs))
            if response.status_code >= 300:
                logger.warning("OTLP collector at %s answered %s", self.url, response.status_code)
        except httpx.HTTPError as exc:
            logger.warning("could not export traces to %s: %s", self.url, exc)

    async def aclose(self) -> None:
        await self._client.aclose()
