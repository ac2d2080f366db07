"""Screenshots of one conversation (an upload, Markdown with a table and code, a widget) in light and dark, at
desktop and phone width, with the checks that the layout holds at each.

They always land in tests/artifacts/. With ``CHATKIT_HOST_SCREENSHOTS=docs`` the test also writes them to
docs/screenshots/ (the README shows those); look at them before committing.
"""

from __future__ import annotations

import os
import shutil
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.harness import CHAT, new_context, open_playground, png_bytes, screenshot, start_server, wait_idle
from tests.browser.render_samples import RenderResponder

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
#: The README's limit for one screenshot.
MAX_BYTES = 150_000
#: Read at import: the test fixtures clear CHATKIT_HOST_* variables so that they cannot reach Settings.
WRITE_DOCS = os.environ.get("CHATKIT_HOST_SCREENSHOTS") == "docs"


@pytest.mark.parametrize("size", sorted(SIZES))
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_showcase_conversation(browser: Browser, stack: ExitStack, tmp_path: Path, theme: str, size: str) -> None:
    server = start_server(stack, tmp_path, responder=RenderResponder())
    viewport = SIZES[size]
    context, watch = new_context(browser, stack, server.base_url, viewport=viewport, device_scale_factor=1)
    page = open_playground(context, watch, f"shots-{theme}-{size}", theme=theme)
    photo = tmp_path / "photo.png"
    photo.write_bytes(png_bytes(160, 100))
    page.locator(f'{CHAT} .ck-composer input[type="file"]').set_input_files(str(photo))
    page.locator(f'{CHAT} .ck-chip:not([data-status="uploading"])').wait_for()
    box = page.locator(f"{CHAT} .ck-input")
    box.fill("Plan the poster from this photo")
    box.press("Enter")
    wait_idle(page)
    card = page.locator(f'{CHAT} [data-component-id="poster"]')
    expect(card.locator('svg[data-drawn="true"]')).to_have_count(4)  # status, image, check and write icons
    md = page.locator(f"{CHAT} .ck-assistant .ck-md").last
    expect(md.locator(".ck-md-table tbody tr")).to_have_count(2)
    expect(md.locator(".ck-code-lang")).to_have_text("bash")
    # Nothing is wider than the conversation: a wide table or code line scrolls inside its own box.
    overflow = page.evaluate(
        f"() => {{ const log = document.querySelector('{CHAT}').shadowRoot.querySelector('.ck-thread');"
        " return log.scrollWidth - log.clientWidth; }"
    )
    assert overflow == 0
    # The chat alone, filling the window as an app's chat panel would (not the playground around it).
    page.locator(CHAT).evaluate("(chat) => { chat.style.cssText = 'position:fixed;inset:0;z-index:10;height:auto'; }")
    # The placeholder an app would set with composer.placeholder (the playground's names the workflow id).
    page.locator(f"{CHAT} .ck-input").evaluate("(box) => { box.placeholder = 'Ask anything'; box.blur(); }")
    page.wait_for_timeout(300)  # the chart-free card has no animation; this lets the resize settle
    name = f"conversation-{size}-{theme}"
    path = screenshot(page, name)
    assert path.stat().st_size < MAX_BYTES, f"{name}.png is {path.stat().st_size} bytes"
    if WRITE_DOCS:
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOCS / f"{name}.png")
    watch.check()
