"""``<openai-chatkit>``: the ChatKitOptions of the composer (placeholder, models, tools, attachments, dictation),
``entities`` and ``commands``, and that no string from options or callbacks becomes markup.

One server, one page and one browser context for the module (a fresh element per test through ``mount``);
the page is on its own origin and loads chatkit-host's ``/static/chatkit.js`` with ``<script async>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.dropin_page import Dropin, events, last_reply, mount, open_dropin, send, wait_event

pytestmark = pytest.mark.browser
CHAT = "openai-chatkit"


@pytest.fixture(scope="module")
def dropin(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dropin]:
    yield from open_dropin(browser, tmp_path_factory)


def test_composer_placeholder_models_and_pinned_tools(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(
        page,
        """{ composer: { placeholder: "Ask away",
              models: [{ id: "fast", label: "Fast" }, { id: "smart", label: "Smart", default: true }],
              tools: [{ id: "search", label: "Search the web", shortLabel: "Search", icon: "search", pinned: true,
                        placeholderOverride: "What should I look up?" },
                      { id: "draw", label: "Draw", icon: "lucide:brush" }] } }""",
    )
    box = page.locator(f"{CHAT} .ck-input")
    expect(box).to_have_attribute("placeholder", "Ask away")
    expect(page.locator(f"{CHAT} .ck-model")).to_have_value("smart")
    pinned = page.locator(f'{CHAT} .ck-pinned-tool[data-tool-id="search"]')
    expect(pinned).to_have_text("Search")
    expect(pinned.locator('svg[data-icon="search"]')).to_have_count(1)
    expect(page.locator(f'{CHAT} .ck-pinned-tool[data-tool-id="draw"]')).to_have_count(0)
    pinned.click()
    expect(pinned).to_have_attribute("aria-pressed", "true")
    expect(box).to_have_attribute("placeholder", "What should I look up?")
    send(page, "inference check")
    assert last_reply(dropin) == "model=smart tool=search quoted=None tags="
    # Not persistent: the choice went with that one message.
    expect(pinned).to_have_attribute("aria-pressed", "false")
    assert events(page, "chatkit.tool.change") == [{"toolId": "search"}, {"toolId": None}]
    dropin.watch.check()


def test_composer_attachments_limits(dropin: Dropin, tmp_path: Path) -> None:
    page = dropin.fresh()
    mount(page)
    expect(page.locator(f"{CHAT} .ck-attach")).to_be_hidden()
    mount(page, '{ composer: { attachments: { enabled: true, maxCount: 1, accept: { "image/png": [".png"] } } } }')
    expect(page.locator(f"{CHAT} .ck-attach")).to_be_visible()
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    page.locator(f'{CHAT} .ck-composer input[type="file"]').set_input_files(str(text))
    expect(page.locator(f"{CHAT} .ck-notice")).to_contain_text("notes.txt is not an accepted file type.")
    dropin.watch.check()


def test_composer_dictation_button(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    expect(page.locator(f"{CHAT} .ck-dictate")).to_be_hidden()
    mount(page, "{ composer: { dictation: { enabled: true } } }")
    mic = page.locator(f"{CHAT} .ck-dictate")
    expect(mic).to_have_attribute("aria-label", "Dictate")
    # Headless chromium has no microphone permission here: the user is told, nothing is recorded.
    mic.click()
    expect(page.locator(f"{CHAT} .ck-notice")).to_contain_text("The microphone could not be used.")
    dropin.watch.check()


ENTITIES = """{ entities: {
  showComposerMenu: true,
  onTagSearch: async (q) => [
    { id: "ada", title: "Ada Lovelace", group: "People", interactive: true },
    { id: "alan", title: "Alan Turing", group: "People", interactive: true },
  ].filter((e) => e.title.toLowerCase().includes(q.toLowerCase())),
  onClick: (entity) => { window.clicked = entity.id; },
  onRequestPreview: async (entity) => ({
    preview: { type: "Card", children: [{ type: "Text", value: "About " + entity.title }] },
  }),
} }"""


def test_entities_tag_search_click_and_preview(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, ENTITIES)
    expect(page.locator(f"{CHAT} .ck-mention-btn")).to_be_visible()
    box = page.locator(f"{CHAT} .ck-input")
    box.fill("inference about @ad")
    options = page.locator(f"{CHAT} .ck-menu-option")
    expect(options).to_have_text(["Ada Lovelace"])
    expect(page.locator(f"{CHAT} .ck-menu-group")).to_have_text("People")
    box.press("Enter")
    expect(page.locator(f'{CHAT} .ck-tag-chip[data-entity-id="ada"]')).to_contain_text("@Ada Lovelace")
    expect(box).to_have_value("inference about ")
    box.press("Enter")
    assert last_reply(dropin) == "model=None tool=None quoted=None tags=ada"
    tag = page.locator(f'{CHAT} .ck-user .ck-tag[data-entity-id="ada"]')
    tag.click()
    assert page.evaluate("() => window.clicked") == "ada"
    tag.hover()
    expect(page.locator(f"{CHAT} .ck-entity-preview")).to_contain_text("About Ada Lovelace")
    # The composer's "@" button starts a search too.
    page.locator(f"{CHAT} .ck-mention-btn").click()
    expect(options).to_have_count(2)
    box.press("ArrowDown")
    box.press("Tab")
    expect(page.locator(f'{CHAT} .ck-tag-chip[data-entity-id="alan"]')).to_be_visible()
    dropin.watch.check()


def test_commands_menu_and_its_selection(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(
        page,
        """{ commands: { enabled: true,
              onSearch: async (q) => [{ id: "ticket", label: "Open a ticket", description: "Support", icon: "bug" },
                                      { id: "more", label: "More…" }],
              onSelect: async (command) => command.id === "more"
                ? { type: "menu", commands: [{ id: "deep", label: "Deeper" }] }
                : { type: "entity", entity: { id: "t-" + command.id, title: "Ticket " + command.id } } } }""",
    )
    box = page.locator(f"{CHAT} .ck-input")
    box.fill("/")
    expect(page.locator(f"{CHAT} .ck-menu-option .ck-menu-label")).to_have_text(["Open a ticket", "More…"])
    page.locator(f"{CHAT} .ck-menu-option", has_text="More…").click()
    expect(page.locator(f"{CHAT} .ck-menu-option .ck-menu-label")).to_have_text(["Deeper"])
    box.press("Enter")
    expect(page.locator(f'{CHAT} .ck-tag-chip[data-entity-id="t-deep"]')).to_contain_text("@Ticket deep")
    expect(box).to_have_value("")
    dropin.watch.check()


HOSTILE = '<img src=x onerror="window.pwned=1"><b>bold</b>'


def test_strings_from_options_and_callbacks_are_text_never_markup(dropin: Dropin) -> None:
    page = dropin.fresh()
    h = HOSTILE.replace('"', '\\"')
    mount(
        page,
        f"""{{ header: {{ title: {{ text: "{h}" }} }},
              startScreen: {{ greeting: "{h}", prompts: [{{ label: "{h}", prompt: "hi" }}] }},
              composer: {{ placeholder: "{h}", tools: [{{ id: "t", label: "{h}", icon: "{h}", pinned: true }}],
                          models: [{{ id: "m", label: "{h}" }}] }},
              disclaimer: {{ text: "{h} [x](javascript:window.pwned=2)" }},
              entities: {{ onTagSearch: async () => [{{ id: "e", title: "{h}", group: "{h}", icon: "{h}" }}] }},
              commands: {{ enabled: true,
                           onSearch: async () => [{{ id: "c", label: "{h}", description: "{h}" }}] }} }}""",
    )
    expect(page.locator(f"{CHAT} .ck-title")).to_have_text(HOSTILE)
    expect(page.locator(f"{CHAT} .ck-greeting")).to_have_text(HOSTILE)
    box = page.locator(f"{CHAT} .ck-input")
    box.fill("inference @x")
    expect(page.locator(f"{CHAT} .ck-menu-option")).to_have_text([HOSTILE])
    box.press("Enter")
    box.press("Enter")
    wait_event(page, "chatkit.response.end")
    expect(page.locator(f"{CHAT} .ck-user .ck-tag")).to_have_text(f"@{HOSTILE}")
    box.fill("/")
    expect(page.locator(f"{CHAT} .ck-menu-option .ck-menu-label")).to_have_text([HOSTILE])
    assert page.locator(f"{CHAT} img, {CHAT} b").count() == 0
    assert page.locator(f"{CHAT} .ck-disclaimer a").count() == 0, "a javascript: link must not become a link"
    assert page.evaluate("() => window.pwned") is None
    dropin.watch.check()
