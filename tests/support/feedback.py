"""A thread with an answer and feedback on it, made through the SDK and the runtime as an app would."""

from __future__ import annotations

from typing import Any

from chatkit_host import ChatKitHost
from tests.support.servers import RunningServer


def give_feedback(server: RunningServer, user: str, kind: str) -> tuple[str, str]:
    """A thread with one answer, and ``kind`` feedback on that answer; returns (thread id, item id)."""
    with ChatKitHost(base_url=server.base_url, api_key=server.admin_key) as client:
        session = client.chatkit.sessions.create(user=user, workflow={"id": "default"})
        chat = client.chatkit.conversation(session.client_secret)
        chat.ask("rate me")
        assert chat.thread_id is not None
        answer = [i for i in client.chatkit.threads.list_items(chat.thread_id) if i.type == "chatkit.assistant_message"]
    request: dict[str, Any] = {
        "type": "items.feedback",
        "params": {"thread_id": chat.thread_id, "item_ids": [answer[0].id], "kind": kind},
    }
    response = server.client().post(
        "/chatkit", json=request, headers={"Authorization": f"Bearer {session.client_secret}"}
    )
    assert response.status_code == 200, response.text
    return chat.thread_id, answer[0].id
