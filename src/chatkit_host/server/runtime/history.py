"""A turn's history: the newest items of the thread that fit the model's budget, read newest-first.

Before issue 14 a turn read the *oldest* 10,000 items, so from item 10,001 on the model never saw the new
message, and every turn re-read and re-validated the whole thread on the event loop (~0.18 ms per item:
1.8 s for 10,000 items). Now a turn reads pages newest-first (``ix_thread_items_thread_id_id`` walks them
backwards, so a page costs the same at any thread length), stops as soon as the budget is spent, and turns only
that window into ``ThreadItem``\\ s, yielding to the event loop between small chunks.

The budget is in tokens, estimated without a tokenizer as stored JSON characters / 4. JSON carries keys and
ids besides the words, so the estimate runs high: a window never holds more than the budget, it may hold
less. The items from the turn's input (the user message it answers) to the newest are always kept, whatever
they cost: the oldest items are the ones dropped, never the new message.
"""

from __future__ import annotations

import asyncio

from chatkit.types import ThreadItem

from chatkit_host.server.runtime.convert import item_from_record
from chatkit_host.server.store import ItemRecord, Store

#: Tokens of history a turn sends when the workflow sets none (``history_max_tokens`` in its definition).
#: 32,000 leaves room for instructions, tools and the answer in every current OpenAI chat model (128k+), and
#: bounds what a long thread costs per turn. Estimated, see the module docstring.
DEFAULT_HISTORY_MAX_TOKENS = 32_000
#: A hard bound on the window's items whatever the budget, so a budget of millions cannot bring back the
#: O(thread length) turn (1,000 items convert in ~180 ms of CPU, spread over the chunks below).
HISTORY_MAX_ITEMS = 1_000
#: Rows per newest-first page.
HISTORY_PAGE = 200
#: Items validated between two yields to the event loop: ~0.1 ms each, so a chunk holds the loop ~2 ms.
CONVERT_CHUNK = 16
#: Stored characters per estimated token.
CHARS_PER_TOKEN = 4


def estimated_tokens(record: ItemRecord) -> int:
    return len(record.data) // CHARS_PER_TOKEN + 1


async def window_records(
    store: Store, thread_id: str, *, input_id: str | None, max_tokens: int, max_items: int = HISTORY_MAX_ITEMS
) -> list[ItemRecord]:
    """The newest records of the thread within ``max_tokens``, oldest first.

    Everything newer than or equal to ``input_id`` is kept regardless of the budget (the turn's own message and
    what the turn has added since); older items are added newest-first while they fit.
    """
    newest_first: list[ItemRecord] = []
    spent = 0
    after: str | None = None
    while len(newest_first) < max_items:
        page = await store.list_items(thread_id, after=after, before=None, limit=HISTORY_PAGE, order="desc")
        for record in page.data:
            cost = estimated_tokens(record)
            # The newest item is always kept (after a tool output or an action there is no input to anchor on).
            required = not newest_first or (input_id is not None and record.id >= input_id)
            if not required and (spent + cost > max_tokens or len(newest_first) >= max_items):
                return newest_first[::-1]
            newest_first.append(record)
            spent += cost
        if not page.has_more or not page.data:
            break
        after = page.data[-1].id
    return newest_first[::-1]


async def to_items(records: list[ItemRecord]) -> list[ThreadItem]:
    """Validate records into thread items, letting other requests run between chunks."""
    items: list[ThreadItem] = []
    for start in range(0, len(records), CONVERT_CHUNK):
        if start:
            await asyncio.sleep(0)
        items.extend(item_from_record(r) for r in records[start : start + CONVERT_CHUNK])
    return items


async def load_window(
    store: Store, thread_id: str, *, input_id: str | None, max_tokens: int | None
) -> list[ThreadItem]:
    budget = DEFAULT_HISTORY_MAX_TOKENS if max_tokens is None else max_tokens
    return await to_items(await window_records(store, thread_id, input_id=input_id, max_tokens=budget))
