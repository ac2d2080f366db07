"""``composer.models``: the model picked in the composer reaches the server, and a refused one shows an error.

The workflow runs on the fake OpenAI-compatible server, so the model name is seen where it ends up: in the
stored user item's ``inference_options`` and in the provider request.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import CHAT, new_context, rest_items, send, start_server, wait_idle
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import RunningServer

pytestmark = pytest.mark.browser

WORKFLOW = """
models: [fake-small, fake-large]
agents:
  - name: helper
    model: fake-small
    instructions: Be brief.
"""
MODELS = [
    {"id": "fake-small", "label": "Small", "description": "Quick answers"},
    {"id": "fake-large", "label": "Large", "default": True},
    {"id": "not-allowed", "label": "Secret"},
    {"id": "retired", "label": "Retired", "disabled": True},
]


def host_page(server: RunningServer, secret: str) -> str:
    options = {"api": {"url": "/chatkit"}, "composer": {"models": MODELS}, "history": {"enabled": False}}
    return f"""<!doctype html><html><head><title>Models</title><link rel=icon href='data:,'></head><body>
<chatkit-host-chat id="chat" style="display: block; height: 600px"></chatkit-host-chat>
<script type="module">
  import "/static/chatkit-ui.js";
  import {{ createChatKitFetch }} from "/static/chatkit-host-fetch.js";
  const options = {json.dumps(options)};
  options.api.fetch = createChatKitFetch({{ clientSecret: {json.dumps(secret)}, getClientSecret: async () => null }});
  document.getElementById("chat").setOptions(options);
</script></body></html>"""


def user_models(server: RunningServer, page: Page) -> list[Any]:
    thread_id = page.evaluate("document.querySelector('chatkit-host-chat').thread.id")
    items = rest_items(server, str(thread_id))
    return [i["inference_options"]["model"] for i in items if i["type"] == "chatkit.user_message"]  # type: ignore[index]


def test_the_chosen_model_reaches_the_server(
    browser: Browser, stack: ExitStack, tmp_path: Path, fake_openai: FakeOpenAI
) -> None:
    server = start_server(stack, tmp_path, openai_base_url=fake_openai.base_url + "/v1", openai_api="chat_completions")
    admin = server.admin()
    stack.callback(admin.close)
    published = admin.post("/v1/chatkit/workflows", json={"id": "picker", "format": "yaml", "source": WORKFLOW})
    assert published.status_code == 200, published.text
    session = admin.post(
        "/v1/chatkit/sessions",
        json={
            "user": "picker-user",
            "workflow": {"id": "picker"},
            "chatkit_configuration": {"automatic_thread_titling": {"enabled": False}},
        },
    )
    assert session.status_code == 200, session.text

    context, watch = new_context(browser, stack, server.base_url)
    html = host_page(server, session.json()["client_secret"])
    context.route(
        f"{server.base_url}/host.html", lambda route: route.fulfill(status=200, content_type="text/html", body=html)
    )
    page = watch.attach(context.new_page())
    page.goto(f"{server.base_url}/host.html")

    picker = page.locator(f"{CHAT} select.ck-model")
    expect(picker).to_be_visible()
    expect(picker).to_have_accessible_name("Model")
    expect(picker).to_have_value("fake-large")  # the option marked default
    expect(picker.locator("option[value=retired]")).to_be_disabled()

    send(page, "first")
    wait_idle(page)
    picker.select_option("fake-small")
    send(page, "second")
    wait_idle(page)
    assert [r.body["model"] for r in fake_openai.requests] == ["fake-large", "fake-small"]
    assert user_models(server, page) == ["fake-large", "fake-small"]
    expect(page.locator(f"{CHAT} .ck-assistant")).to_have_count(2)

    # A model the workflow does not allow: the server refuses it and the chat says so.
    picker.select_option("not-allowed")
    send(page, "third")
    wait_idle(page)
    refusal = page.locator(f"{CHAT} .ck-notice.ck-danger")
    expect(refusal).to_contain_text("Model 'not-allowed' is not allowed for this workflow")
    expect(refusal).to_contain_text("fake-small, fake-large")
    assert len(fake_openai.requests) == 2
    assert user_models(server, page)[-1] == "not-allowed"
    watch.check()
