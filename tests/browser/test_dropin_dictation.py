"""``composer.dictation`` end to end: chromium's fake microphone, ``input.transcribe``, the fake provider's text.

Its own chromium (a fake audio device needs launch flags) and a server whose provider is the fake OpenAI
server of tests/fake_openai.py, so the recorded audio really travels to ``/v1/audio/transcriptions``.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.browser.apps.hosted_react.backend import Backend, serve
from tests.browser.dropin_page import mount, write_page
from tests.browser.harness import CHROMIUM_ARGS, chromium_path, new_context, start_server
from tests.support.fake_openai import Reply, start_fake_openai

pytestmark = pytest.mark.browser
CHAT = "openai-chatkit"
FAKE_MICROPHONE = ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]


def test_dictation_records_transcribes_and_fills_the_composer(stack: ExitStack, tmp_path: Path) -> None:
    fake = start_fake_openai(stack)
    fake.script(Reply(text=" Dictated words "))
    server = start_server(
        stack,
        tmp_path / "data",
        openai_base_url=fake.base_url + "/v1",
        openai_api="chat_completions",
        transcription_model="fake-whisper",
    )
    (tmp_path / "page").mkdir()
    site = write_page(tmp_path / "page")
    backend = stack.enter_context(serve(Backend(chatkit_host=server.base_url, api_key=server.admin_key, dist=site)))
    playwright = stack.enter_context(sync_playwright())
    browser = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS + FAKE_MICROPHONE)
    stack.callback(browser.close)
    context, watch = new_context(browser, stack, server.base_url, permissions=["microphone"])
    watch.allowed_origins = (backend.origin,)
    page = watch.attach(context.new_page())
    page.goto(f"{backend.origin}/")
    mount(page, "{ composer: { dictation: { enabled: true } } }")
    mic = page.locator(f"{CHAT} .ck-dictate")
    mic.click()
    expect(mic).to_have_attribute("aria-pressed", "true")
    expect(mic).to_have_attribute("aria-label", "Stop dictation")
    page.wait_for_timeout(800)
    mic.click()
    expect(page.locator(f"{CHAT} .ck-input")).to_have_value("Dictated words")
    (request,) = [r for r in fake.requests if r.path == "/v1/audio/transcriptions"]
    assert request.body["model"] == "fake-whisper" and request.body["content_type"].startswith("audio/")
    assert len(request.body["audio"]) > 100, "no audio was recorded"
    watch.check()
