"""``<openai-chatkit>``: one test per OpenAIChatKit method and per ChatKitEvents event, asserting the effect
or the ``detail`` (and each method's promise: resolved once done, rejected when it cannot be done)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.dropin_page import Dropin, events, mount, open_dropin, wait_event

pytestmark = pytest.mark.browser
CHAT = "openai-chatkit"


@pytest.fixture(scope="module")
def dropin(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dropin]:
    yield from open_dropin(browser, tmp_path_factory)


def call(page: Page, script: str) -> Any:
    """Runs ``script`` (an async function body with ``chat`` in scope) and returns its value, or the error."""
    return page.evaluate(
        f"""async () => {{
          const chat = window.chat;
          try {{ return {{ ok: await (async () => {{ {script} }})() ?? null }}; }}
          catch (e) {{ return {{ rejected: String(e && e.message), isError: e instanceof Error }}; }}
        }}"""
    )


def texts(page: Page, selector: str) -> list[str]:
    return [t.strip() for t in page.locator(f"{CHAT} {selector}").all_inner_texts()]


def new_thread(page: Page, text: str) -> str:
    assert call(page, f"await chat.sendUserMessage({{ text: {text!r} }});") == {"ok": None}
    thread_id: str = events(page, "chatkit.thread.change")[-1]["threadId"]
    return thread_id


# ---- methods ------------------------------------------------------------------------------------------


def test_set_options_replaces_all_options_and_keeps_the_session(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, '{ composer: { placeholder: "First" } }')
    expect(page.locator(f"{CHAT} .ck-input")).to_have_attribute("placeholder", "First")
    new_thread(page, "keep me")
    # Not merged: the placeholder goes back to the default; the same api object keeps the conversation.
    page.evaluate("() => window.chat.setOptions({ api: window.chat.options.api, theme: 'dark' })")
    expect(page.locator(f"{CHAT} .ck-input")).to_have_attribute("placeholder", "Message the AI")
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text("keep me")
    assert len(events(page, "chatkit.ready")) == 1
    dropin.watch.check()


def test_focus_composer(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    page.locator("body").click()
    assert call(page, "await chat.focusComposer();") == {"ok": None}
    assert page.evaluate("() => window.chat.shadowRoot.activeElement.className") == "ck-input"
    dropin.watch.check()


def test_set_thread_id_opens_a_thread_or_the_new_thread_view_and_rejects_an_unknown_one(dropin: Dropin) -> None:
    page = dropin.fresh()
    dropin.watch.expected_http_errors.add(404)
    mount(page)
    first = new_thread(page, "the first thread")
    assert call(page, "await chat.setThreadId(null); return !!chat.shadowRoot.querySelector('.ck-start');") == {
        "ok": True
    }
    # Resolved only once the thread is on screen.
    shown = call(
        page, f"await chat.setThreadId('{first}'); return chat.shadowRoot.querySelector('.ck-user-text').textContent;"
    )
    assert shown == {"ok": "the first thread"}
    failed = call(page, "await chat.setThreadId('cthr_nothing_here');")
    assert failed["isError"] is True and "cthr_nothing_here" in failed["rejected"]
    dropin.watch.check()


def test_send_user_message_resolves_after_the_answer_and_maps_every_parameter(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    done = call(
        page,
        "await chat.sendUserMessage({ text: 'plain text' });"
        "return chat.shadowRoot.querySelector('.ck-assistant-body').textContent;",
    )
    assert done["ok"].endswith("You said: plain text")
    first = events(page, "chatkit.thread.change")[-1]["threadId"]
    structured = """await chat.sendUserMessage({
        content: [{ type: "input_text", text: "inference with everything" },
                  { type: "input_tag", id: "ada", text: "Ada" }],
        reply: "the quoted bit", toolChoice: { id: "search" }, model: "m-large", newThread: true,
      });"""
    assert call(page, structured) == {"ok": None}
    assert texts(page, ".ck-assistant-body")[-1] == "model=m-large tool=search quoted=the quoted bit tags=ada"
    assert events(page, "chatkit.thread.change")[-1]["threadId"] != first, "newThread: true should start a thread"
    empty = call(page, "await chat.sendUserMessage({});")
    assert empty["isError"] is True
    # While a response runs, another message is refused, not queued silently.
    busy = call(
        page,
        "chat.sendUserMessage({ text: 'long " + "x " * 30 + "' }); await chat.sendUserMessage({ text: 'too soon' });",
    )
    assert busy["isError"] is True and "in progress" in busy["rejected"]
    wait_event(page, "chatkit.response.end", 3)
    dropin.watch.check()


def test_set_composer_value_fills_without_sending(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(
        page,
        """{ composer: { models: [{ id: "m-small", label: "Small" }, { id: "m-large", label: "Large" }],
              tools: [{ id: "search", label: "Search", icon: "search" }],
              attachments: { enabled: true } } }""",
    )
    filled = """await chat.setComposerValue({
        content: [{ type: "input_text", text: "inference prefilled" }, { type: "input_tag", id: "ada", text: "Ada" }],
        reply: "quoted here", selectedToolId: "search", selectedModelId: "m-large",
        files: [new File([new Uint8Array([1, 2, 3])], "notes.txt", { type: "text/plain" })],
      });
      return chat.shadowRoot.querySelector('.ck-chip').dataset.status;"""
    assert call(page, filled) == {"ok": "done"}
    expect(page.locator(f"{CHAT} .ck-input")).to_have_value("inference prefilled")
    expect(page.locator(f"{CHAT} .ck-reply")).to_contain_text("quoted here")
    expect(page.locator(f"{CHAT} .ck-model")).to_have_value("m-large")
    expect(page.locator(f"{CHAT} .ck-tool")).to_have_value("search")
    assert events(page, "chatkit.response.start") == [], "setComposerValue must not send"
    page.locator(f"{CHAT} .ck-input").press("Enter")
    wait_event(page, "chatkit.response.end")
    assert texts(page, ".ck-assistant-body")[-1] == "model=m-large tool=search quoted=quoted here tags=ada"
    assert call(page, "await chat.setComposerValue({ text: 'again', selectedToolId: null });") == {"ok": None}
    expect(page.locator(f"{CHAT} .ck-tool")).to_have_value("")
    dropin.watch.check()


def test_send_custom_action_reaches_the_server_for_the_item(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    refused = call(page, "await chat.sendCustomAction({ type: 'custom.go' });")
    assert refused["isError"] is True and "open thread" in refused["rejected"]
    new_thread(page, "widget please")
    item_id = page.locator(f"{CHAT} .ck-widget").first.evaluate("(n) => n.closest('[data-item-id]').dataset.itemId")
    sent = call(page, f"await chat.sendCustomAction({{ type: 'custom.go', payload: {{ a: 1 }} }}, '{item_id}');")
    assert sent == {"ok": None}
    assert dropin.responder.actions[-1] == ("custom.go", {"a": 1}, item_id)
    assert texts(page, ".ck-assistant-body")[-1] == f"Action custom.go from {item_id}"
    dropin.watch.check()


def test_show_and_hide_history(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    history = page.locator(f"{CHAT} .ck-history")
    assert call(page, "await chat.hideHistory();") == {"ok": None}
    expect(history).to_be_hidden()
    assert call(page, "await chat.showHistory();") == {"ok": None}
    expect(history).to_be_visible()
    expect(page.locator(f"{CHAT} .ck-history-toggle")).to_have_attribute("aria-expanded", "true")
    dropin.watch.check()


def test_fetch_updates_shows_what_another_tab_added(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    thread_id = new_thread(page, "from this tab")
    other = f"""const tab = document.createElement("openai-chatkit");
      document.body.append(tab);
      tab.setOptions({{ api: {{ getClientSecret: window.getClientSecret }}, initialThread: "{thread_id}" }});
      await new Promise((r) => tab.addEventListener("chatkit.thread.load.end", r, {{ once: true }}));
      await tab.sendUserMessage({{ text: "from the other tab" }});
      tab.remove();"""
    assert call(page, other) == {"ok": None}
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text(["from this tab"])
    assert call(page, "await chat.fetchUpdates();") == {"ok": None}
    expect(page.locator(f"{CHAT} .ck-user .ck-user-text")).to_have_text(["from this tab", "from the other tab"])
    dropin.watch.check()


# ---- events -------------------------------------------------------------------------------------------


def test_event_ready_once_per_session_with_no_detail(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    assert events(page, "chatkit.ready") == [None]
    dropin.watch.check()


def test_event_error_carries_an_error(dropin: Dropin) -> None:
    page = dropin.fresh()
    dropin.watch.expected_http_errors.add(404)
    mount(page)
    call(page, "await chat.setThreadId('cthr_missing');")
    [detail] = events(page, "chatkit.error")
    assert detail["error"]["isError"] is True and detail["error"]["code"] == "thread_not_found"
    expect(page.locator(f"{CHAT} .ck-notice.ck-danger")).to_be_visible()
    dropin.watch.check()


def test_event_effect(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    new_thread(page, "effect please")
    assert events(page, "chatkit.effect") == [{"name": "confetti", "data": {"n": 3}}]
    dropin.watch.check()


def test_event_deeplink_instead_of_navigation(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    new_thread(page, "deeplink please")
    before = page.url
    page.locator(f"{CHAT} .ck-assistant-body a", has_text="order 42").click()
    wait_event(page, "chatkit.deeplink")
    assert events(page, "chatkit.deeplink") == [{"name": "orders/42", "data": {"tab": "items"}}]
    assert page.url == before and len(page.context.pages) == 1
    dropin.watch.check()


def test_event_response_start_and_end(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    new_thread(page, "one")
    new_thread(page, "two")
    assert events(page, "chatkit.response.start") == [None, None]
    assert events(page, "chatkit.response.end") == [None, None]
    dropin.watch.check()


def test_event_history_open_and_close(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    page.locator(f"{CHAT} .ck-history-toggle").click()
    page.locator(f"{CHAT} .ck-history-toggle").click()
    assert [e["name"] for e in page.evaluate("() => window.log") if "history" in e["name"]] == [
        "chatkit.history.close",
        "chatkit.history.open",
    ]
    dropin.watch.check()


def test_event_thread_change_and_thread_load(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page)
    first = new_thread(page, "first")
    page.locator(f"{CHAT} .ck-new").click()
    second = new_thread(page, "second")
    page.locator(f'{CHAT} .ck-thread-entry[data-thread-id="{first}"] .ck-thread-open').click()
    wait_event(page, "chatkit.thread.load.end")
    assert events(page, "chatkit.thread.change") == [
        {"threadId": first},
        {"threadId": None},
        {"threadId": second},
        {"threadId": first},
    ]
    assert events(page, "chatkit.thread.load.start") == [{"threadId": first}]
    assert events(page, "chatkit.thread.load.end") == [{"threadId": first}]
    dropin.watch.check()


def test_event_tool_change(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, '{ composer: { tools: [{ id: "search", label: "Search", icon: "search" }] } }')
    page.locator(f"{CHAT} .ck-tool").select_option("search")
    page.locator(f"{CHAT} .ck-tool").select_option("")
    assert events(page, "chatkit.tool.change") == [{"toolId": "search"}, {"toolId": None}]
    dropin.watch.check()


def test_event_log(dropin: Dropin) -> None:
    page = dropin.fresh()
    mount(page, "{ notAnOption: true }")
    assert events(page, "chatkit.log") == [
        {
            "name": "option.unsupported",
            "data": {"option": "notAnOption", "reason": "not an option of @openai/chatkit 1.9.0; ignored"},
        }
    ]
    dropin.watch.check()


def test_event_error_when_get_client_secret_fails(dropin: Dropin) -> None:
    page = dropin.fresh()
    page.evaluate(
        """async () => { await customElements.whenDefined('openai-chatkit');
           mount({ api: { getClientSecret: async () => { throw new Error('backend is down'); } } }); }"""
    )
    wait_event(page, "chatkit.error")
    assert events(page, "chatkit.error")[0]["error"] == {
        "isError": True,
        "message": "backend is down",
        "code": "client_secret_failed",
    }
    expect(page.locator(f"{CHAT} .ck-notice.ck-danger")).to_contain_text("backend is down")
    dropin.watch.check()
