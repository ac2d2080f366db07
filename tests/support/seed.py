"""Write threads and items straight into a server's database through the real store."""

from __future__ import annotations

import asyncio
from datetime import datetime

from chatkit.types import (
    AssistantMessageContent,
    AssistantMessageItem,
    InferenceOptions,
    UserMessageItem,
    UserMessageTextContent,
)

from chatkit_host.server import ids
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import ItemRecord, Store, ThreadRecord


def exchange_item(
    thread_id: str, n: int, question: str = "question {n}", answer: str = "answer {n}"
) -> UserMessageItem | AssistantMessageItem:
    """Item ``n`` of a seeded conversation: even numbers are user questions, odd ones assistant answers."""
    item_id = ids.new_id(ids.ITEM)
    if n % 2 == 0:
        return UserMessageItem(
            id=item_id,
            thread_id=thread_id,
            created_at=datetime.now(),
            content=[UserMessageTextContent(text=question.format(n=n))],
            attachments=[],
            inference_options=InferenceOptions(),
        )
    return AssistantMessageItem(
        id=item_id,
        thread_id=thread_id,
        created_at=datetime.now(),
        content=[AssistantMessageContent(text=answer.format(n=n))],
    )


async def _seed(settings: Settings, users: list[str], per_thread_messages: int) -> list[str]:
    store = Store.open(settings.resolved_database_url)
    created: list[str] = []
    try:
        for user in users:
            now = datetime.now().timestamp()
            thread_id = ids.new_id(ids.THREAD)
            await store.save_thread(
                ThreadRecord(
                    id=thread_id,
                    user=user,
                    session_id=None,
                    title=f"thread of {user}",
                    status="active",
                    status_reason=None,
                    created_at=now,
                    updated_at=now,
                )
            )
            for n in range(per_thread_messages):
                item = exchange_item(thread_id, n)
                await store.save_item(
                    ItemRecord(
                        id=item.id,
                        thread_id=thread_id,
                        type=item.type,
                        created_at=now,
                        data=item.model_dump_json(exclude_none=True),
                    )
                )
            created.append(thread_id)
    finally:
        await store.close()
    return created


def seed_threads(settings: Settings, users: list[str], per_thread_messages: int = 0) -> list[str]:
    """Create one thread per entry of ``users`` (in order); returns their ids."""
    return asyncio.run(_seed(settings, users, per_thread_messages))
