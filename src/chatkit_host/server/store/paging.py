"""Keyset paging on a time-sortable id column: the one implementation every list uses.

``after`` and ``before`` are positions in the list as ordered: with ``order="desc"``, ``after=X`` walks to
older rows and ``before=X`` to newer ones, which is how OpenAI's cursor pages behave. The cursor row does not
have to exist any more, because the comparison is on the id value itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, Column, Select

from chatkit_host.server.store.records import Order


def keyset(
    query: Select[Any],
    id_column: Column[Any],
    *,
    order: Order,
    after: str | BindParameter[Any] | None,
    before: str | BindParameter[Any] | None,
    limit: int,
) -> tuple[Select[Any], bool]:
    """Bound and order ``query``; returns it and whether its rows come back reversed.

    The query fetches ``limit + 1`` rows so the caller can tell ``has_more`` without a COUNT. Cursors may be
    bind parameters, so that one statement per shape of query can be built once and reused.
    """
    descending = order == "desc"
    if after is not None:
        query = query.where(id_column < after if descending else id_column > after)
    if before is not None:
        query = query.where(id_column > before if descending else id_column < before)
    # Paging backwards (only `before` given) reads from the cursor outwards, then flips the rows.
    reverse = before is not None and after is None
    walk_descending = descending != reverse
    query = query.order_by(id_column.desc() if walk_descending else id_column.asc()).limit(limit + 1)
    return query, reverse


def finish(rows: list[Any], limit: int, reversed_: bool) -> tuple[list[Any], bool]:
    has_more = len(rows) > limit
    rows = rows[:limit]
    if reversed_:
        rows.reverse()
    return rows, has_more
