"""The component embedded by a page of ANOTHER origin: modules, styles, the runtime and previews over CORS.

The embedding site is a tiny static server of the test's own on a second loopback port; its page is the
README's snippet, and its "backend" hands out a client secret the test created through the REST API.
"""

from __future__ import annotations

import json
import threading
from contextlib import ExitStack
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from chatkit_host.server.workflows.offline import OfflineResponder
from tests.browser.harness import (
    CHAT,
    new_context,
    png_bytes,
    readme_embed_snippet,
    rest_items,
    start_server,
    wait_idle,
)

pytestmark = pytest.mark.browser


def serve_site(stack: ExitStack, files: dict[str, tuple[str, bytes]], headers: dict[str, str]) -> str:
    """A static site on its own loopback port answering ``files`` (path -> (type, body)) with ``headers``.

    Returns the site's origin.
    """

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            found = files.get(self.path.split("?", 1)[0])
            if found is None:
                self.send_error(404)
                return
            content_type, body = found
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        do_GET = _answer
        do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:  # keep the test output clean
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)

    stack.callback(stop)
    return f"http://127.0.0.1:{httpd.server_address[1]}"


SESSION = {
    "user": "embedded",
    "workflow": {"id": "default"},
    "chatkit_configuration": {"file_upload": {"enabled": True}},
}


#: The strictest policy an embedding page can keep: only the chat server besides itself (docs/ui.md).
NONCE = "embed-test-nonce"
EMBEDDER_CSP = (
    "default-src 'none'; script-src 'nonce-{nonce}' {chat}; style-src {chat}; style-src-attr 'unsafe-inline'; "
    "connect-src 'self' {chat}; img-src data: blob:; base-uri 'none'; object-src 'none'"
)


@pytest.mark.parametrize("page_csp", [False, True], ids=["no-csp", "strict-csp"])
def test_a_page_of_another_origin_embeds_the_component(
    browser: Browser, stack: ExitStack, tmp_path: Path, page_csp: bool
) -> None:
    server = start_server(stack, tmp_path, responder=OfflineResponder(delay=0.1, repeat=4))
    with server.admin() as admin:
        session = admin.post("/v1/chatkit/sessions", json=SESSION)
    assert session.status_code == 200, session.text
    secret = session.json()["client_secret"]

    head = "<!doctype html><html><head><meta charset=utf-8><title>Another site</title><link rel=icon href='data:,'>"
    snippet = readme_embed_snippet(server.base_url)
    site_headers = {}
    if page_csp:
        snippet = snippet.replace('<script type="module">', f'<script type="module" nonce="{NONCE}">', 1)
        site_headers["Content-Security-Policy"] = EMBEDDER_CSP.format(nonce=NONCE, chat=server.base_url)
    html = f"{head}</head><body><h1>Another site</h1>{snippet}</body></html>"
    site = serve_site(
        stack,
        {
            "/": ("text/html; charset=utf-8", html.encode()),
            # The site's own backend: it would create the session with its admin key; the test already did.
            "/api/chatkit/session": ("application/json", json.dumps({"client_secret": secret}).encode()),
        },
        site_headers,
    )
    assert site != server.base_url

    context, watch = new_context(browser, stack, server.base_url)
    watch.allowed_origins = (site,)
    page = watch.attach(context.new_page())
    page.goto(f"{site}/")
    assert page.evaluate("location.origin") == site

    # The modules came from the chat server and its stylesheet applies inside the shadow root.
    expect(page.locator(f"{CHAT} .ck-greeting")).to_have_text("How can I help?")
    expect(page.locator(f"{CHAT} .ck")).to_have_attribute("data-scheme", "dark")
    accent = page.evaluate(
        "() => getComputedStyle(document.querySelector('chatkit-host-chat').shadowRoot.querySelector('.ck'))"
        ".getPropertyValue('--ck-accent').trim()"
    )
    assert accent != "", "chat.css did not load from the chat server"

    # A message streams in word by word over the cross-origin runtime.
    page.locator(f"{CHAT} .ck-prompt", has_text="Say hello").click()
    expect(page.locator(f'{CHAT} .ck-send[data-role="stop"]')).to_be_visible()
    body = page.locator(f"{CHAT} .ck-assistant .ck-assistant-body")
    expect(body).not_to_be_empty()
    partial = body.inner_text().strip()
    wait_idle(page, timeout=30_000)
    final = body.inner_text().strip()
    assert "You said: Hello!" in final
    assert len(partial) < len(final), "the reply arrived all at once, not streamed"

    # An image attachment: uploaded to the chat server, previewed before sending and after a reload
    # (the preview then is a signed URL of the chat server, fetched with the client secret).
    image = tmp_path / "dot.png"
    image.write_bytes(png_bytes())
    page.locator(f'{CHAT} .ck-composer input[type="file"]').set_input_files(str(image))
    expect(page.locator(f'{CHAT} .ck-chip[data-status="done"] img.ck-chip-preview')).to_be_visible()
    box = page.locator(f"{CHAT} .ck-input")
    box.fill("And this picture?")
    box.press("Enter")
    wait_idle(page, timeout=30_000)
    page.reload()
    page.locator(f"{CHAT} .ck-thread-open").first.click()
    preview = page.locator(f"{CHAT} .ck-user img.ck-att-image")
    expect(preview).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth === 24", arg=preview.element_handle())

    thread_id = page.locator(f"{CHAT} .ck-thread-entry").first.get_attribute("data-thread-id")
    items = rest_items(server, str(thread_id))
    assert [i["type"] for i in items] == [
        "chatkit.user_message",
        "chatkit.assistant_message",
        "chatkit.user_message",
        "chatkit.assistant_message",
    ]
    assert items[2]["attachments"][0]["name"] == "dot.png"  # type: ignore[index]

    chat = server.base_url
    assert f"{chat}/static/chatkit-ui.js" in watch.requests and f"{chat}/static/chat/chat.css" in watch.requests
    assert f"{site}/api/chatkit/session" in watch.requests
    assert any(u.startswith(f"{chat}/chatkit/attachments/") for u in watch.requests)
    watch.check()
