"""Drive Debian's chromium with Playwright against the real app: servers, pages, and the page guards.

Every page opened through :func:`watch` records each request it makes and each console message; the
tests assert that requests only ever go to the chatkit-host server and that no error was logged.
"""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from chatkit_host.server.turn import Responder
from tests.support.servers import RunningServer, start_app
from tests.support.services import ADMIN_KEY, IN_CI

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
CHAT = "chatkit-host-chat"


def chromium_path() -> str:
    """Debian's chromium; skipped (or failed under CI=true) when it is not installed."""
    found = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if found:
        return found
    if IN_CI:
        pytest.fail("chromium is not installed, and CI=true requires the browser tests to run")
    pytest.skip("chromium is not installed (apt-get install chromium)")


def launch() -> Iterator[Browser]:
    path = chromium_path()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def start_server(
    stack: ExitStack, data_dir: Path, responder: Responder | None = None, **overrides: Any
) -> RunningServer:
    """The real app on a loopback port, optionally with a responder of the test's choosing."""
    return start_app(stack, data_dir, responder=responder, **overrides)


#: Where the README's embedding snippet says chatkit-host runs; tests put their server there.
README_CHAT_ORIGIN = "https://chat.example"


def readme_embed_snippet(chat_origin: str) -> str:
    """The README's HTML embedding snippet, pointed at ``chat_origin``."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Open chat UI, playground and admin console") :]
    snippet = section[section.index("```html no-test\n") + len("```html no-test\n") : section.index("\n```\n")]
    assert README_CHAT_ORIGIN in snippet, "the README snippet should name the chat server's origin"
    return snippet.replace(README_CHAT_ORIGIN, chat_origin.rstrip("/"))


@dataclass
class Watch:
    """What the pages of one browser context did: requests by URL, console errors, page errors."""

    base_url: str
    #: Origins besides the server that the pages may talk to (the embedding site's own, in embed tests).
    allowed_origins: tuple[str, ...] = ()
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    #: Browser-logged "Failed to load resource" lines for answers a test provokes on purpose (401, 429).
    expected_http_errors: set[int] = field(default_factory=set)

    def attach(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"pageerror: {error}"))
        return page

    def _console(self, message: Any) -> None:
        if message.type not in ("error", "warning"):
            return
        text = message.text
        for status in self.expected_http_errors:
            if "Failed to load resource" in text and f"status of {status}" in text:
                return
        self.errors.append(f"console.{message.type}: {text}")

    def foreign_requests(self) -> list[str]:
        own = [o.rstrip("/") for o in (self.base_url, *self.allowed_origins)]
        return [
            u
            for u in self.requests
            if not (any(u == o or u.startswith(o + "/") for o in own) or u.startswith(("data:", "blob:")))
        ]

    def check(self) -> None:
        assert self.foreign_requests() == [], "the page talked to something other than the server"
        assert self.errors == [], "the page logged errors"
        assert any(u.startswith(self.base_url) for u in self.requests), "the guard saw no request at all"


def new_context(browser: Browser, stack: ExitStack, base_url: str, **kwargs: Any) -> tuple[BrowserContext, Watch]:
    """A browser context, closed with ``stack``, whose requests ``Watch`` records."""
    context = browser.new_context(**{"viewport": {"width": 1200, "height": 800}, **kwargs})
    stack.callback(context.close)
    watch = Watch(base_url)
    context.on("request", lambda request: watch.requests.append(request.url))
    return context, watch


def open_playground(context: BrowserContext, watch: Watch, user: str, theme: str | None = None) -> Page:
    """The playground for ``user``, with a session started and the composer ready."""
    page = watch.attach(context.new_page())
    query = f"?user={user}" + (f"&theme={theme}" if theme else "")
    # The link `serve` prints on a first start: the page moves the key to sessionStorage (start_server's key).
    page.goto(f"{watch.base_url}/{query}#key={ADMIN_KEY}")
    page.locator(f"{CHAT} .ck-input").wait_for(state="visible")
    page.locator('#session-info dd[data-field="status"]', has_text="active").wait_for()
    return page


def send(page: Page, text: str, element: str = CHAT) -> None:
    """Type ``text`` into the composer of ``element`` (the tag name) and press Enter."""
    box = page.locator(f"{element} .ck-input")
    box.fill(text)
    box.press("Enter")


def assistant_texts(page: Page) -> list[str]:
    return [t.strip() for t in page.locator(f"{CHAT} .ck-assistant .ck-assistant-body").all_inner_texts()]


def wait_idle(page: Page, timeout: float = 15_000) -> None:
    """Until the composer shows Send again (the stream is over)."""
    page.locator(f'{CHAT} .ck-send[data-role="send"]').wait_for(timeout=timeout)


def open_admin(context: BrowserContext, watch: Watch, admin_key: str) -> Page:
    page = watch.attach(context.new_page())
    page.goto(f"{watch.base_url}/admin")
    page.locator("#admin-key").fill(admin_key)
    page.locator("#login button[type=submit]").click()
    page.locator("#console").wait_for(state="visible")
    return page


def png_bytes(width: int = 24, height: int = 16) -> bytes:
    """A small valid PNG (a red-green gradient), built here so the test needs no fixture files."""
    rows = b"".join(
        b"\x00" + bytes(c for x in range(width) for c in (255 * x // width, 128, 40)) for _ in range(height)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def rest_items(server: RunningServer, thread_id: str) -> list[dict[str, object]]:
    with server.admin() as client:
        data: list[dict[str, object]] = client.get(f"/v1/chatkit/threads/{thread_id}/items?order=asc").json()["data"]
        return data


def rest_threads(server: RunningServer, user: str) -> list[dict[str, object]]:
    with server.admin() as client:
        data: list[dict[str, object]] = client.get("/v1/chatkit/threads", params={"user": user}).json()["data"]
        return data


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path
