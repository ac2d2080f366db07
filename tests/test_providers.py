"""Model providers: an OpenAI-compatible endpoint with a key and a default model, and the offline stand-in."""

from __future__ import annotations

import asyncio

from agents import Agent, RunConfig, Runner
from pydantic import BaseModel

from chatkit_host.server.workflows.offline import OfflineModel
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import MakeServer
from tests.support.workflows import reply_text, runtime


def test_default_workflow_runs_on_the_configured_endpoint_and_model(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = make_server(
        openai_base_url=fake_openai.base_url + "/v1", openai_api_key="sk-test-key", default_model="local-llama"
    )
    rt = runtime(server, {"id": "default"})
    _, events = rt.create_thread("hello")
    assert reply_text(events) == "fake reply 1"
    [request] = fake_openai.requests
    # A base URL without an explicit API choice means Chat Completions, the API local servers implement.
    assert request.api == "chat_completions" and request.body["model"] == "local-llama"
    assert request.headers["authorization"] == "Bearer sk-test-key"
    assert "You are a helpful assistant." in request.system_text()
    assert request.body["stream_options"] == {"include_usage": True}


def test_responses_api_when_chosen(make_server: MakeServer, fake_openai: FakeOpenAI) -> None:
    server = make_server(openai_base_url=fake_openai.base_url + "/v1", openai_api="responses")
    rt = runtime(server, {"id": "default"})
    _, events = rt.create_thread("hello")
    assert reply_text(events) == "fake reply 1"
    [request] = fake_openai.requests
    assert request.path == "/v1/responses" and request.body["model"] == "gpt-4.1-mini"
    assert request.body["instructions"] == "You are a helpful assistant. Answer clearly and concisely."


class Nested(BaseModel):
    labels: list[str]
    score: float | None


class Triage(BaseModel):
    category: str
    urgent: bool
    count: int
    nested: Nested


def test_offline_model_says_it_is_a_stand_in_and_fits_output_schemas() -> None:
    async def run() -> tuple[str, Triage]:
        config = RunConfig(tracing_disabled=True)
        text = await Runner.run(Agent(name="a", model=OfflineModel("gpt-4.1")), "Hi there", run_config=config)
        typed = await Runner.run(
            Agent(name="b", model=OfflineModel(), output_type=Triage), "classify me", run_config=config
        )
        return str(text.final_output), typed.final_output

    text, typed = asyncio.run(run())
    assert text.startswith("[offline stand-in model]") and text.endswith("You said: Hi there")
    # The SDK parses the model's text into the output type and raises if it does not fit, so getting a
    # Triage back (not the raw string) is the check that the offline model answered in the schema.
    assert isinstance(typed, Triage)
