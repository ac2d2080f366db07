"""``/v1/chatkit/traces`` paging and filters, and the optional OTLP/HTTP export with GenAI conventions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatkit_host.types.common import ListPage
from chatkit_host.types.traces import Trace
from tests.support.servers import MakeServer, serve_in_thread
from tests.support.workflows import publish, runtime

OFFLINE = """
agents:
  - name: helper
    instructions: Help.
    tools: [{builtin: show_card}]
"""


class Collector:
    """An OTLP/HTTP receiver that keeps every JSON body posted to /v1/traces."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    async def traces(self, request: Request) -> Response:
        body = await request.json()
        with self.lock:
            self.bodies.append(body)
        return JSONResponse({})

    def spans(self) -> list[dict[str, Any]]:
        with self.lock:
            return [s for b in self.bodies for rs in b["resourceSpans"] for ss in rs["scopeSpans"] for s in ss["spans"]]


@pytest.fixture
def collector() -> Iterator[tuple[Collector, str]]:
    found = Collector()
    with ExitStack() as stack:
        url = stack.enter_context(
            serve_in_thread(Starlette(routes=[Route("/v1/traces", found.traces, methods=["POST"])]))
        )
        yield found, url


def test_traces_page_and_filter(make_server: MakeServer) -> None:
    server = make_server()
    publish(server, OFFLINE, "helper")
    rt = runtime(server, {"id": "helper"})
    threads = [rt.create_thread(f"question {n}")[0] for n in range(3)]
    admin = server.admin()
    first = ListPage[Trace].model_validate(admin.get("/v1/chatkit/traces", params={"limit": 2}).json())
    assert first.has_more and len(first.data) == 2 and first.data[0].spans is None
    rest = admin.get("/v1/chatkit/traces", params={"limit": 2, "after": first.last_id}).json()
    assert not rest["has_more"]
    assert [t.thread_id for t in first.data] + [t["thread_id"] for t in rest["data"]] == threads[::-1]
    assert [
        t["thread_id"] for t in admin.get("/v1/chatkit/traces", params={"thread_id": threads[1]}).json()["data"]
    ] == [threads[1]]
    assert admin.get("/v1/chatkit/traces", params={"workflow_version": "2"}).json()["data"] == []
    bad = admin.get("/v1/chatkit/traces", params={"after": "nope"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "after"
    missing = admin.get("/v1/chatkit/traces/trace_nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "trace_not_found"
    usage = admin.get("/v1/chatkit/usage", params={"group_by": "thread"}).json()
    assert sorted(row["key"] for row in usage["data"]) == sorted(threads)
    assert admin.get("/v1/chatkit/usage", params={"group_by": "planet"}).status_code == 400


def test_otlp_export_uses_genai_conventions(make_server: MakeServer, collector: tuple[Collector, str]) -> None:
    found, url = collector
    server = make_server(otlp_endpoint=url)
    publish(server, OFFLINE, "helper")
    rt = runtime(server, {"id": "helper"}, user="otel-user")
    thread_id, _ = rt.create_thread("hello")
    [trace] = server.admin().get("/v1/chatkit/traces", params={"thread_id": thread_id}).json()["data"]
    deadline = time.monotonic() + 10
    while not found.spans() and time.monotonic() < deadline:
        time.sleep(0.05)
    spans = found.spans()
    by_name = {s["name"]: s for s in spans}
    assert "chat offline" in by_name and "invoke_agent helper" in by_name and "helper v1" in by_name
    model = {a["key"]: a["value"] for a in by_name["chat offline"]["attributes"]}
    assert model["gen_ai.operation.name"] == {"stringValue": "chat"}
    assert model["gen_ai.request.model"] == {"stringValue": "offline"}
    assert int(model["gen_ai.usage.input_tokens"]["intValue"]) > 0
    root = {a["key"]: a["value"] for a in by_name["helper v1"]["attributes"]}
    assert root["gen_ai.conversation.id"] == {"stringValue": thread_id}
    assert root["enduser.id"] == {"stringValue": "otel-user"}
    assert len({s["traceId"] for s in spans}) == 1 and len(spans[0]["traceId"]) == 32
    assert by_name["chat offline"]["parentSpanId"] == by_name["invoke_agent helper"]["spanId"]
    assert "parentSpanId" not in by_name["helper v1"]
    assert trace["usage"]["input_tokens"] == int(model["gen_ai.usage.input_tokens"]["intValue"])


def test_nothing_is_left_that_exports_to_openai(make_server: MakeServer) -> None:
    from agents.tracing import get_trace_provider

    from chatkit_host.server.workflows.tracing import HostTraceProcessor

    make_server()  # the server runs in this process, so the SDK's process-wide provider is the one it set
    # The SDK has no public getter for its processors; its default one would POST spans to OpenAI.
    processors = get_trace_provider()._multi_processor._processors  # type: ignore[attr-defined]
    assert [type(p) for p in processors] == [HostTraceProcessor]
