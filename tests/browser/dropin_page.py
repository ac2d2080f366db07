"""The test page and responder shared by the per-option, per-method and per-event tests of ``<openai-chatkit>``.

The page lives on its own origin, loads chatkit-host's ``/static/chatkit.js`` with ``<script async>`` and
offers ``mount(options)``: a fresh element in hosted mode (``getClientSecret`` asks the page's backend,
which uses the official ``openai`` package), every ChatKitEvents event recorded in ``window.log``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from chatkit.actions import ActionConfig
from chatkit.types import (
    ClientEffectEvent,
    ClientToolCallItem,
    ThreadItemDoneEvent,
    ThreadStreamEvent,
    UserMessageTagContent,
    WidgetItem,
)
from chatkit.widgets import Button, Card, Text
from playwright.sync_api import Browser, Page

from chatkit_host.server.turn import Turn
from chatkit_host.server.workflows.history import user_text
from chatkit_host.server.workflows.offline import OfflineResponder
from tests.browser.apps.hosted_react.backend import Backend, serve
from tests.browser.harness import Watch, new_context, start_server
from tests.browser.harness import send as harness_send
from tests.browser.showcase import say
from tests.support.servers import RunningServer

EVENTS = [
    "chatkit.ready",
    "chatkit.error",
    "chatkit.effect",
    "chatkit.deeplink",
    "chatkit.response.start",
    "chatkit.response.end",
    "chatkit.history.open",
    "chatkit.history.close",
    "chatkit.thread.change",
    "chatkit.thread.load.start",
    "chatkit.thread.load.end",
    "chatkit.tool.change",
    "chatkit.log",
]

INDEX = """<!doctype html><html lang=en><head><meta charset=utf-8><title>Drop-in test page</title>
<link rel=icon href="data:,">
<script src="CHATKIT_HOST_ORIGIN/static/chatkit.js" async></script>
<style>body{margin:0} openai-chatkit, chatkit-host-chat {display:block; height:560px}</style>
</head><body><script type=module src="/app.js"></script></body></html>
"""

APP = """
const NAMES = EVENT_NAMES;
window.log = [];
window.secrets = [];
function plain(detail) {
  if (detail && detail.error !== undefined) {
    const e = detail.error;
    return { error: { isError: e instanceof Error, message: String(e && e.message), code: (e && e.code) || null } };
  }
  return detail;
}
window.getClientSecret = async (current) => {
  window.secrets.push(current);
  const response = await fetch("/api/create-session", {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify({ current }),
  });
  return (await response.json()).client_secret;
};
window.events = (name) => window.log.filter((e) => e.name === name).map((e) => e.detail);
window.mount = (options = {}, name = "openai-chatkit") => {
  document.querySelectorAll("openai-chatkit, chatkit-host-chat").forEach((node) => node.remove());
  window.log = [];
  const chat = document.createElement(name);
  for (const event of NAMES) {
    chat.addEventListener(event, (e) => window.log.push({ name: event, detail: plain(e.detail) }));
  }
  document.body.append(chat);
  chat.setOptions({ api: { getClientSecret: window.getClientSecret }, ...options });
  window.chat = chat;
  return chat;
};
""".replace("EVENT_NAMES", json.dumps(EVENTS))

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def write_page(directory: Path) -> Path:
    """The page's index.html and app.js, as the backend of tests/browser/apps/hosted_react serves a dist."""
    (directory / "index.html").write_text(INDEX)
    (directory / "app.js").write_text(APP)
    return directory


def mount(page: Page, options: str = "{}", name: str = "openai-chatkit") -> None:
    """A fresh element with ``options`` (JavaScript source, so it may hold functions), in hosted mode."""
    page.evaluate(f"async () => {{ await customElements.whenDefined('{name}'); mount({options}, '{name}'); }}")
    wait_event(page, "chatkit.ready")


def events(page: Page, name: str) -> list[Any]:
    found: list[Any] = page.evaluate("(name) => window.events(name)", name)
    return found


def wait_event(page: Page, name: str, count: int = 1, timeout: float = 15_000) -> None:
    page.wait_for_function("([n, c]) => window.events(n).length >= c", arg=[name, count], timeout=timeout)


class DropinResponder:
    """Answers by keyword: effect, deeplink, long, tool, inference, widget; anything else is echoed."""

    def __init__(self) -> None:
        self.echo = OfflineResponder(delay=0.005)
        self.long = OfflineResponder(delay=0.002, repeat=60)
        self.actions: list[tuple[str, Any, str | None]] = []

    async def respond(self, turn: Turn) -> AsyncIterator[ThreadStreamEvent]:
        if turn.input is None:
            history = await turn.load_history()
            call = next(i for i in reversed(history) if isinstance(i, ClientToolCallItem))
            yield say(turn, f"Tool said: {call.output}")
            return
        text = user_text(turn.input)
        if text.startswith("effect"):
            yield ClientEffectEvent(name="confetti", data={"n": 3})
            yield say(turn, "Confetti!")
        elif text.startswith("deeplink"):
            yield say(turn, "Open [order 42](chatkit-link://orders/42?tab=items) now.")
        elif text.startswith("long"):
            async for event in self.long.respond(turn):
                yield event
        elif text.startswith("tool"):
            yield ThreadItemDoneEvent(
                item=ClientToolCallItem(
                    id=turn.new_item_id("tool_call"),
                    thread_id=turn.thread.id,
                    created_at=datetime.now(),
                    call_id="call_time",
                    name="get_time",
                    arguments={"zone": "UTC"},
                )
            )
        elif text.startswith("inference"):
            options = turn.input.inference_options
            tool = options.tool_choice.id if options and options.tool_choice else None
            model = options.model if options else None
            tags = [p.id for p in turn.input.content if isinstance(p, UserMessageTagContent)]
            yield say(turn, f"model={model} tool={tool} quoted={turn.input.quoted_text} tags={','.join(tags)}")
        elif text.startswith("widget"):
            card = Card(
                id="card",
                children=[
                    Text(value="A server widget"),
                    Button(label="Ping", onClickAction=ActionConfig(type="ping", payload={"n": 1})),
                ],
            )
            item = WidgetItem(
                id=turn.new_item_id("message"), thread_id=turn.thread.id, created_at=datetime.now(), widget=card
            )
            yield ThreadItemDoneEvent(item=item)
        else:
            async for event in self.echo.respond(turn):
                yield event

    async def action(self, turn: Turn, action: Any, sender: WidgetItem | None) -> AsyncIterator[ThreadStreamEvent]:
        self.actions.append((action.type, action.payload, sender.id if sender else None))
        yield say(turn, f"Action {action.type} from {sender.id if sender else None}")

    async def title(self, turn: Turn, user_text: str, reply_text: str) -> str | None:
        return user_text[:40] or None


@dataclass
class Dropin:
    """What a drop-in test module shares: the server, the page's backend, the page and its guard."""

    server: RunningServer
    backend: Backend
    responder: DropinResponder
    page: Page
    watch: Watch

    def fresh(self) -> Page:
        """The page, its guard's records cleared for the next test."""
        self.watch.errors.clear()
        self.watch.requests.clear()
        self.watch.expected_http_errors.clear()
        return self.page


def open_dropin(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dropin]:
    """Body of each drop-in module's module-scoped ``dropin`` fixture."""
    with ExitStack() as stack:
        responder = DropinResponder()
        server = start_server(stack, tmp_path_factory.mktemp("dropin"), responder=responder)
        site = write_page(tmp_path_factory.mktemp("dropin_page"))
        backend = Backend(chatkit_host=server.base_url, api_key=server.admin_key, dist=site, user="dropin-user")
        backend.chatkit_configuration = {"file_upload": {"enabled": True}}
        backend.extra_files["/serif.ttf"] = ("font/ttf", FONT.read_bytes() if FONT.exists() else b"")
        stack.enter_context(serve(backend))
        context, watch = new_context(browser, stack, server.base_url)
        watch.allowed_origins = (backend.origin,)
        page = watch.attach(context.new_page())
        page.goto(f"{backend.origin}/")
        yield Dropin(server=server, backend=backend, responder=responder, page=page, watch=watch)


#: The drop-in's tag name.
DROPIN = "openai-chatkit"


def send(page: Page, text: str) -> None:
    """Type ``text`` into the drop-in's composer and press Enter."""
    harness_send(page, text, element=DROPIN)


def last_reply(d: Dropin) -> str:
    """The text of the newest answer, once its response has ended."""
    wait_event(d.page, "chatkit.response.end")
    return str(d.page.locator(f"{DROPIN} .ck-assistant-body").last.inner_text()).strip()
