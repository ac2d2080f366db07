"""What trace spans keep of a run (prompts, answers, tool arguments and results; bounded), and usage over time."""

from __future__ import annotations

import time

import pytest

from chatkit_host.server.api.traces import MAX_SERIES_RECORDS
from chatkit_host.server.workflows.tracing import MAX_SPAN_MESSAGES, MAX_SPAN_TEXT
from chatkit_host.types.traces import UsageSeries
from tests.support.fake_openai import FakeOpenAI, Reply, ToolCall
from tests.support.runtime import text_input
from tests.support.servers import MakeServer
from tests.support.workflows import APIS, SUPPORT, provider_server, publish, runtime, trace_spans, traces


@pytest.mark.parametrize("api", APIS)
def test_model_and_tool_spans_keep_what_went_in_and_out(
    make_server: MakeServer, fake_openai: FakeOpenAI, api: str
) -> None:
    server = provider_server(make_server, fake_openai, api)
    publish(server, SUPPORT, "support")
    fake_openai.script(
        Reply(tool_calls=[ToolCall("get_state", {"name": "tier"})]), Reply(text="You are on the gold plan.")
    )
    rt = runtime(server, {"id": "support", "state_variables": {"tier": "gold"}}, user="content-user")
    rt.create_thread("Which plan am I on?")
    [trace] = traces(server, session_id=rt.session["id"])
    spans = trace_spans(server, trace["id"])
    first, second = [s for s in spans if s["kind"] == "model"]
    assert first["data"]["instructions"].startswith("You help Acme customers on the gold plan.")
    assert first["data"]["input"] == [{"role": "user", "text": "Which plan am I on?"}]
    assert first["data"]["output"][0]["role"] == "tool_call" and first["data"]["output"][0]["name"] == "get_state"
    assert '"tier"' in first["data"]["output"][0]["text"]
    # The second call was sent the tool's call and result, and answered the text the user saw.
    roles = [m["role"] for m in second["data"]["input"]]
    assert roles[0] == "user" and "tool_call" in roles and "tool_result" in roles
    assert '"gold"' in next(m["text"] for m in second["data"]["input"] if m["role"] == "tool_result")
    assert second["data"]["output"] == [{"role": "assistant", "text": "You are on the gold plan."}]
    [tool] = [s for s in spans if s["kind"] == "tool"]
    assert '"tier"' in tool["data"]["input"] and '"gold"' in tool["data"]["output"]


def test_span_texts_and_histories_are_bounded(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, SUPPORT, "support")
    fake_openai.script(*[Reply(text="ok") for _ in range(MAX_SPAN_MESSAGES)])
    rt = runtime(server, {"id": "support"}, user="long-user")
    long = "x" * (MAX_SPAN_TEXT * 3)
    thread_id, _ = rt.create_thread(long)
    for n in range(MAX_SPAN_MESSAGES // 2):
        rt.stream("threads.add_user_message", thread_id=thread_id, input=text_input(f"turn {n}"))
    newest = traces(server, thread_id=thread_id)[0]
    [model] = [s for s in trace_spans(server, newest["id"]) if s["kind"] == "model"]
    sent = model["data"]["input"]
    assert len(sent) == MAX_SPAN_MESSAGES and model["data"]["input_count"] == MAX_SPAN_MESSAGES + 1
    assert sent[-1] == {"role": "user", "text": f"turn {MAX_SPAN_MESSAGES // 2 - 1}"}
    first = [s for s in trace_spans(server, traces(server, thread_id=thread_id)[-1]["id"]) if s["kind"] == "model"]
    text = first[0]["data"]["input"][0]["text"]
    assert len(text) == MAX_SPAN_TEXT + 1 and text.endswith("…")


def test_usage_series_buckets_tokens_per_key(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, SUPPORT, "support")
    fake_openai.script(
        Reply(text="a", input_tokens=10, output_tokens=1),
        Reply(text="b", input_tokens=20, output_tokens=2),
        Reply(text="c", input_tokens=40, output_tokens=4),
    )
    for user in ("ann", "ann", "bob"):
        runtime(server, {"id": "support"}, user=user).create_thread("hi")
    admin = server.admin()
    answer = admin.get("/v1/chatkit/usage/series", params={"group_by": "user", "bucket": "hour"})
    assert answer.status_code == 200, answer.text
    series = UsageSeries.model_validate(answer.json())
    assert not series.truncated and series.since % 3600 == 0 and series.since <= time.time() - 47 * 3600
    rows = {row.key: row for row in series.data}
    assert [row.key for row in series.data] == ["bob", "ann"]  # most tokens first
    assert rows["ann"].total_tokens == 33 and sum(p.runs for p in rows["ann"].points) == 2
    hour = int(time.time()) // 3600 * 3600
    assert rows["bob"].points[-1].start in (hour, hour - 3600) and rows["bob"].points[-1].input_tokens == 40
    # One key, the rest summed as "other"; a filter; a window after the runs; bad input gets the envelope.
    top = admin.get("/v1/chatkit/usage/series", params={"group_by": "user", "limit": 1}).json()
    assert [(r["key"], r["total_tokens"]) for r in top["data"]] == [("bob", 44), ("other", 33)]
    only = admin.get("/v1/chatkit/usage/series", params={"group_by": "workflow_version", "user": "ann"}).json()
    assert [(r["key"], r["workflow_id"], r["total_tokens"]) for r in only["data"]] == [("1", "support", 33)]
    later = admin.get("/v1/chatkit/usage/series", params={"group_by": "user", "since": int(time.time()) + 60})
    assert later.json()["data"] == []
    bad = admin.get("/v1/chatkit/usage/series", params={"group_by": "user", "bucket": "week"})
    assert bad.status_code == 400 and bad.json()["error"]["param"] == "bucket"
    assert server.client().get("/v1/chatkit/usage/series", params={"group_by": "user"}).status_code == 401
    assert MAX_SERIES_RECORDS >= 10_000
