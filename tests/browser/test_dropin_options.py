"""``<openai-chatkit>``: one test per ChatKitOptions field, asserting what it visibly does.

One server, one page and one browser context for the module (a fresh element per test through ``mount``);
the page is on its own origin and loads chatkit-host's ``/static/chatkit.js`` with ``<script async>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.dropin_page import Dropin, events, last_reply, mount, open_dropin, send, wait_event
from tests.browser.harness import png_bytes, rest_items

pytestmark = pytest.mark.browser
CHAT = "openai-chatkit"


@pytest.fixture(scope="module")
def dropin(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dropin]:
    yield from open_dropin(browser, tmp_path_factory)


def test_api_hosted_mode_talks_to_the_script_origin_with_getClientSecret(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    send(page, "hello hosted")
    assert last_reply(dropin).endswith("You said: hello hosted")
    assert page.evaluate("() => window.secrets")[-1] is None
    assert f"{dropin.server.base_url}/chatkit" in dropin.watch.requests
    dropin.watch.check()


@pytest.mark.parametrize(
    "strategy",
    ['{ type: "two_phase" }', '{ type: "direct", uploadUrl: "ORIGIN/chatkit/upload" }'],
    ids=["two_phase", "direct"],
)
def test_api_custom_mode_url_fetch_domain_key_and_upload_strategy(
    dropin: Dropin, tmp_path: Path, strategy: str
) -> None:
    page = dropin.fresh()
    page.evaluate("() => { window.customCalls = 0; }")
    mount(
        page,
        """{
          api: {
            url: "ORIGIN/chatkit",
            domainKey: "domain_pk_never_checked",
            uploadStrategy: STRATEGY,
            fetch: async (input, init) => {
              window.customCalls = (window.customCalls || 0) + 1;
              window.customSecret = window.customSecret || (await window.getClientSecret(null));
              const headers = new Headers(init && init.headers);
              headers.set("Authorization", "Bearer " + window.customSecret);
              return fetch(input, { ...init, headers });
            },
          },
          composer: { attachments: { enabled: true } },
        }""".replace("STRATEGY", strategy).replace("ORIGIN", dropin.server.base_url),
    )
    image = tmp_path / "dot.png"
    image.write_bytes(png_bytes())
    page.locator(f'{CHAT} .ck-composer input[type="file"]').set_input_files(str(image))
    expect(page.locator(f'{CHAT} .ck-chip[data-status="done"]')).to_have_count(1)
    send(page, "custom with a picture")
    assert last_reply(dropin).endswith("You said: custom with a picture")
    # threads.list, the upload (attachments.create and the bytes, or one direct POST), threads.create
    assert page.evaluate("() => window.customCalls") >= 3
    thread_id = events(page, "chatkit.thread.change")[-1]["threadId"]
    items = rest_items(dropin.server, thread_id)
    assert items[0]["attachments"][0]["name"] == "dot.png"  # type: ignore[index]
    dropin.watch.check()


@pytest.mark.parametrize(
    ("locale", "send_label", "direction"),
    [("fr-FR", "Envoyer", "ltr"), ("ar", "إرسال", "rtl"), ("sw-TZ", "Send", "ltr"), ("zh-Hant", "Send", "ltr")],
)
def test_locale_translates_or_falls_back_to_english(
    dropin: Dropin, locale: str, send_label: str, direction: str
) -> None:
    page = dropin.fresh()
    mount(page, f'{{ locale: "{locale}" }}')
    expect(page.locator(f"{CHAT} .ck-send")).to_have_attribute("aria-label", send_label)
    expect(page.locator(f"{CHAT} .ck")).to_have_attribute("dir", direction)
    expect(page.locator(f"{CHAT} .ck")).to_have_attribute("lang", locale)
    dropin.watch.check()


def style_of(page: Page, selector: str, prop: str) -> str:
    script = """([sel, prop]) => {
      const node = document.querySelector('openai-chatkit').shadowRoot.querySelector(sel);
      const style = getComputedStyle(node);
      return prop.startsWith('--') ? style.getPropertyValue(prop).trim() : style[prop];
    }"""
    return str(page.evaluate(script, [selector, prop]))


def test_theme_color_scheme_radius_density_and_colors(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, '{ theme: "dark" }')
    expect(page.locator(f"{CHAT} .ck")).to_have_attribute("data-scheme", "dark")
    mount(
        page,
        """{ theme: { colorScheme: "light", radius: "sharp", density: "compact", color: {
              accent: { primary: "#ff0000", level: 2 },
              surface: { background: "#fafaf0", foreground: "#101010" },
              grayscale: { hue: 30, tint: 4, shade: 0 } } } }""",
    )
    assert style_of(page, ".ck", "--ck-accent") == "#ff0000"
    assert style_of(page, ".ck", "backgroundColor") == "rgb(250, 250, 240)"
    assert style_of(page, ".ck", "color") == "rgb(16, 16, 16)"
    assert style_of(page, ".ck", "--ck-surface").startswith("hsl(30 12%")
    assert style_of(page, ".ck-composer-row", "borderRadius") == "0px"
    assert style_of(page, ".ck", "--ck-gap") == "8px"
    mount(page, '{ theme: { density: "spacious", radius: "pill" } }')
    assert style_of(page, ".ck", "--ck-gap") == "16px"
    assert style_of(page, ".ck-composer-row", "borderRadius") == "24px"
    dropin.watch.check()


def test_theme_typography_base_size_families_and_font_sources(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(
        page,
        """{ theme: { typography: { baseSize: 18, fontFamily: "DropinSerif, serif", fontFamilyMono: "DejaVu Sans Mono",
              fontSources: [{ family: "DropinSerif", src: "/serif.ttf", weight: 400, display: "swap" }] } } }""",
    )
    assert style_of(page, ".ck", "fontSize") == "18px"
    assert style_of(page, ".ck", "fontFamily") == "DropinSerif, serif"
    assert style_of(page, ".ck", "--ck-font-mono") == "DejaVu Sans Mono"
    page.wait_for_function("() => [...document.fonts].some((f) => f.family === 'DropinSerif' && f.status === 'loaded')")
    assert f"{dropin.backend.origin}/serif.ttf" in dropin.watch.requests
    dropin.watch.check()


def test_frame_title_names_the_chat_region(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    expect(page.get_by_role("region", name="Chat")).to_be_visible()
    mount(page, '{ frameTitle: "Support chat" }')
    expect(page.get_by_role("region", name="Support chat")).to_be_visible()
    dropin.watch.check()


def test_initial_thread_opens_that_thread(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    send(page, "remember this thread")
    wait_event(page, "chatkit.response.end")
    thread_id = events(page, "chatkit.thread.change")[-1]["threadId"]
    mount(page, f'{{ initialThread: "{thread_id}" }}')
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("remember this thread")
    assert events(page, "chatkit.thread.load.start") == [{"threadId": thread_id}]
    wait_event(page, "chatkit.thread.load.end")
    assert events(page, "chatkit.thread.load.end") == [{"threadId": thread_id}]
    mount(page, "{ initialThread: null }")
    expect(page.locator(f"{CHAT} .ck-start")).to_be_visible()
    dropin.watch.check()


def test_header_title_and_left_and_right_actions(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(
        page,
        """{ header: { title: { text: "Support" },
              leftAction: { icon: "sidebar-left", onClick: () => { window.left = (window.left || 0) + 1; } },
              rightAction: { icon: "settings-cog", onClick: () => { window.right = (window.right || 0) + 1; } } } }""",
    )
    expect(page.locator(f"{CHAT} .ck-title")).to_have_text("Support")
    page.locator(f"{CHAT} .ck-header-left").click()
    page.locator(f'{CHAT} .ck-header-right[data-icon="settings-cog"]').click()
    page.locator(f"{CHAT} .ck-header-right").click()
    assert page.evaluate("() => [window.left, window.right]") == [1, 2]
    expect(page.locator(f"{CHAT} .ck-header-left svg")).to_have_count(1)
    mount(page, "{ header: { title: { enabled: false } } }")
    expect(page.locator(f"{CHAT} .ck-title")).to_be_hidden()
    expect(page.locator(f"{CHAT} .ck-header-left")).to_be_hidden()
    mount(page, "{ header: { enabled: false } }")
    expect(page.locator(f"{CHAT} .ck-header")).to_be_hidden()
    dropin.watch.check()


def test_history_enabled_show_delete_and_show_rename(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    send(page, "a thread for the history")
    wait_event(page, "chatkit.response.end")
    entry = page.locator(f"{CHAT} .ck-thread-entry").first
    expect(entry.locator("[data-action=delete]")).to_have_count(1)
    expect(entry.locator("[data-action=rename]")).to_have_count(1)
    mount(page, "{ history: { showDelete: false, showRename: false } }")
    expect(page.locator(f"{CHAT} .ck-thread-entry").first).to_be_visible()
    expect(page.locator(f"{CHAT} .ck-thread-entry [data-action]")).to_have_count(0)
    mount(page, "{ history: { enabled: false } }")
    expect(page.locator(f"{CHAT} .ck-history-toggle")).to_be_hidden()
    expect(page.locator(f"{CHAT} .ck-history")).to_be_hidden()
    dropin.watch.check()


def test_start_screen_greeting_and_prompts_with_icons(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)  # OpenAI's documented defaults
    expect(page.locator(f"{CHAT} .ck-greeting")).to_have_text("What can I help with today?")
    expect(page.locator(f"{CHAT} .ck-input")).to_have_attribute("placeholder", "Message the AI")
    mount(
        page,
        """{ startScreen: { greeting: "Ahoy!", prompts: [
              { label: "Plan a trip", prompt: "Plan a trip to the lake", icon: "map-pin" },
              { label: "Tags", prompt: [{ type: "input_text", text: "structured" }], icon: "lucide:tag" } ] } }""",
    )
    expect(page.locator(f"{CHAT} .ck-greeting")).to_have_text("Ahoy!")
    expect(page.locator(f'{CHAT} .ck-prompt svg[data-icon="map-pin"]')).to_have_count(1)
    expect(page.locator(f'{CHAT} .ck-prompt svg[data-icon="lucide:tag"]')).to_have_count(1)
    page.locator(f"{CHAT} .ck-prompt", has_text="Plan a trip").click()
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("Plan a trip to the lake")
    wait_event(page, "chatkit.response.end")
    structured = '[{ type: "input_text", text: "structured" }]'
    mount(page, f'{{ startScreen: {{ prompts: [{{ label: "Tags", prompt: {structured} }}] }} }}')
    page.locator(f"{CHAT} .ck-prompt", has_text="Tags").click()
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("structured")
    wait_event(page, "chatkit.response.end")
    dropin.watch.check()


def test_thread_item_actions_default_off_and_on(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    send(page, "no actions please")
    wait_event(page, "chatkit.response.end")
    expect(page.locator(f"{CHAT} .ck-assistant")).to_have_count(1)
    expect(page.locator(f"{CHAT} [data-action=feedback-positive], {CHAT} [data-action=retry]")).to_have_count(0)
    mount(page, "{ threadItemActions: { feedback: true, retry: true } }")
    send(page, "actions please")
    wait_event(page, "chatkit.response.end")
    page.locator(f"{CHAT} [data-action=feedback-positive]").click()
    expect(page.locator(f"{CHAT} [data-action=feedback-positive]")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(f"{CHAT} [data-action=retry]")).to_have_count(1)
    # The older element name keeps its own defaults (both on).
    mount(page, "{}", name="chatkit-host-chat")
    page.locator("chatkit-host-chat .ck-input").fill("old name")
    page.locator("chatkit-host-chat .ck-input").press("Enter")
    wait_event(page, "chatkit.response.end")
    expect(page.locator("chatkit-host-chat [data-action=feedback-positive]")).to_have_count(1)
    dropin.watch.check()


def test_disclaimer_markdown_and_high_contrast(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, '{ disclaimer: { text: "Answers may be **wrong**." } }')
    expect(page.locator(f"{CHAT} .ck-disclaimer strong")).to_have_text("wrong")
    expect(page.locator(f"{CHAT} .ck-disclaimer")).not_to_have_class("ck-disclaimer ck-high-contrast")
    mount(page, '{ disclaimer: { text: "Careful.", highContrast: true } }')
    expect(page.locator(f"{CHAT} .ck-disclaimer")).to_have_class("ck-disclaimer ck-high-contrast")
    dropin.watch.check()


def test_thread_auto_scroll(dropin: Dropin) -> None:
    page = dropin.fresh()
    gap = """() => { const log = document.querySelector('openai-chatkit').shadowRoot.querySelector('.ck-thread');
                     return log.scrollHeight - log.scrollTop - log.clientHeight; }"""
    words = "long " + " ".join(f"w{i}" for i in range(20))
    mount(page, "{ thread: { autoScroll: true } }")
    send(page, words)
    wait_event(page, "chatkit.response.end")
    assert page.evaluate(gap) < 5, "autoScroll: true should follow the answer to its end"
    mount(page, "{ thread: { autoScroll: false } }")
    send(page, words)
    wait_event(page, "chatkit.response.end")
    assert page.evaluate(gap) > 100, "autoScroll: false should leave the reader where the question was"
    dropin.watch.check()


def test_on_client_tool_answers_the_server(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, '{ onClientTool: async ({ name, params }) => ({ name, zone: params.zone, time: "12:00" }) }')
    send(page, "tool please")
    wait_event(page, "chatkit.response.end", 2)
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_have_text(
        "Tool said: {'name': 'get_time', 'zone': 'UTC', 'time': '12:00'}"
    )
    mount(page, '{ onClientTool: async () => { throw new Error("no clock here"); } }')
    send(page, "tool again")
    wait_event(page, "chatkit.response.end", 2)
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_have_text("Tool said: {'error': 'no clock here'}")
    dropin.watch.check()


def test_widgets_on_action_gets_client_actions_and_server_actions_go_to_the_server(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, "{ widgets: { onAction: async (action, item) => { window.clientAction = [action, item.id]; } } }")
    send(page, "widget please")
    wait_event(page, "chatkit.response.end")
    page.locator(f"{CHAT} .ck-w-button", has_text="Ping").click()
    wait_event(page, "chatkit.response.end", 2)
    expect(page.locator(f"{CHAT} .ck-assistant-body").last).to_contain_text("Action ping from")
    assert dropin.responder.actions[-1][:2] == ("ping", {"n": 1})
    assert page.evaluate("() => window.clientAction") is None, "a server action is not the page's"
    dropin.watch.check()


def test_options_it_cannot_honour_are_logged_once(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, "{ commands: { enabled: true }, somethingNew: 1 }")
    page.evaluate("() => window.chat.setOptions({ ...window.chat.options, theme: 'dark' })")
    expect(page.locator(f"{CHAT} .ck")).to_have_attribute("data-scheme", "dark")
    logged = [e["data"]["option"] for e in events(page, "chatkit.log") if e["name"] == "option.unsupported"]
    assert logged == ["somethingNew", "commands.enabled"]
    dropin.watch.check()
