"""The admin console pages through lists longer than one page (100) with the lists' ``after`` cursor."""

from __future__ import annotations

import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.harness import new_context, open_admin, screenshot, start_server
from tests.support.runtime import Runtime, text_input
from tests.support.servers import RunningServer

pytestmark = pytest.mark.browser

PAGE = 100
#: One page and a bit: the second page is short, so the last "Load more" must disappear.
COUNT = PAGE + 3


def _all_ids(server: RunningServer, path: str, order: str = "desc") -> list[str]:
    """Every id of a list, walked with the REST API's own cursor."""
    ids: list[str] = []
    after: str | None = None
    with server.admin() as client:
        while True:
            params: dict[str, Any] = {"limit": PAGE, "order": order, **({"after": after} if after else {})}
            page = client.get(path, params=params).json()
            ids += [o["id"] for o in page["data"]]
            if not page["has_more"]:
                return ids
            after = page["last_id"]


def _wait_for_count(server: RunningServer, path: str, count: int) -> None:
    """Traces are written after the stream ends; wait until they are all in."""
    deadline = time.monotonic() + 30
    while len(_all_ids(server, path)) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def _page_through(admin: Page, rows: str, attribute: str, pager: str, expected: list[str]) -> None:
    """The first page, then "Load more" once: every id exactly once, in the API's order, and no more button."""
    expect(admin.locator(rows)).to_have_count(PAGE)
    expect(admin.locator(pager)).to_have_attribute("data-has-more", "true")
    admin.locator(f"{pager} [data-action=load-more]").click()
    expect(admin.locator(rows)).to_have_count(len(expected))
    expect(admin.locator(pager)).to_have_attribute("data-has-more", "false")
    expect(admin.locator(f"{pager} [data-action=load-more]")).to_have_count(0)
    shown = admin.locator(rows).evaluate_all(f"rows => rows.map(r => r.getAttribute('{attribute}'))")
    assert shown == expected


def test_every_list_loads_more_than_one_page(browser: Browser, stack: ExitStack, tmp_path: Path) -> None:
    server = start_server(stack, tmp_path)
    with server.admin() as client:
        for n in range(COUNT):
            body = {"user": f"paging-{n}", "workflow": {"id": "default"}}
            assert client.post("/v1/chatkit/sessions", json=body).status_code == 200
    rt = Runtime.for_user(server, "paging-chat")
    threads = [rt.create_thread(f"question {n}") for n in range(COUNT)]
    # Two items of each of the first threads: more feedback than one page holds.
    for thread_id, events in threads[: COUNT // 2 + 1]:
        item_ids = [e.item.id for e in events if e.type == "thread.item.done"][:2]
        assert rt.json("items.feedback", thread_id=thread_id, item_ids=item_ids, kind="positive") == {}
    # One thread with more items than a page.
    long_thread = threads[0][0]
    for n in range(COUNT // 2):
        rt.stream("threads.add_user_message", thread_id=long_thread, input=text_input(f"more {n}"))
    _wait_for_count(server, "/v1/chatkit/traces", COUNT + COUNT // 2)

    context, watch = new_context(browser, stack, server.base_url)
    admin = open_admin(context, watch, server.admin_key)

    sessions = _all_ids(server, "/v1/chatkit/sessions")
    assert len(sessions) == COUNT + 1
    expect(admin.locator("#view .hint")).to_contain_text(
        f"{PAGE} active · 0 expired · 0 cancelled (of the {PAGE} loaded)"
    )
    _page_through(admin, "#view tr[data-session-id]", "data-session-id", "#view .pager", sessions)
    expect(admin.locator("#view .hint")).to_have_text(f"{COUNT + 1} active · 0 expired · 0 cancelled")
    # The status filter works on every page loaded.
    admin.get_by_label("Status").select_option("active")
    expect(admin.locator("#view tr[data-session-id]")).to_have_count(COUNT + 1)

    admin.locator('.tab[data-view="threads"]').click()
    list_pager = "#view .split > :first-child .pager"
    _page_through(
        admin, "#view tr[data-thread-id]", "data-thread-id", list_pager, _all_ids(server, "/v1/chatkit/threads")
    )
    # The oldest thread came with the second page; it has more items than a page, which load the same way.
    admin.locator(f'#view tr[data-thread-id="{long_thread}"] a').click()
    items = _all_ids(server, f"/v1/chatkit/threads/{long_thread}/items", order="asc")
    _page_through(admin, "#view .items li", "data-item-id", "#view .detail .pager", items)
    admin.locator("#view .detail .pager").scroll_into_view_if_needed()
    screenshot(admin, "admin-paging")

    admin.locator('.tab[data-view="feedback"]').click()
    feedback = _all_ids(server, "/v1/chatkit/feedback")
    assert len(feedback) > PAGE
    _page_through(admin, "#view tr[data-feedback-id]", "data-feedback-id", "#view .pager", feedback)

    admin.locator('.tab[data-view="traces"]').click()
    _page_through(admin, "#view tr[data-trace-id]", "data-trace-id", list_pager, _all_ids(server, "/v1/chatkit/traces"))
    watch.check()
