"""The REST view of stored threads and items (openai-chatkit's stored types -> the spec's REST shapes).

Items are stored as ``openai-chatkit`` serialises them; the REST API shows a projection. Item types with no
REST counterpart are filtered in the query (``HIDDEN_FROM_REST``) so that pages stay full and cursors exact.
"""

from __future__ import annotations

from typing import Any

import orjson

from chatkit_host.server.store.records import HIDDEN_ITEM_TYPES, ItemRecord, ThreadRecord

#: Stored item types the REST API never shows: hidden context, and types the spec has no shape for.
HIDDEN_FROM_REST = (
    *HIDDEN_ITEM_TYPES,
    "end_of_turn",
    "generated_image",
    "structured_input",
)


def thread_to_rest(thread: ThreadRecord) -> dict[str, Any]:
    return thread_columns_to_rest(
        thread.id, thread.created_at, thread.title, thread.status, thread.status_reason, thread.user
    )


def thread_columns_to_rest(
    thread_id: str, created_at: float, title: str | None, status: str, status_reason: str | None, user: str
) -> dict[str, Any]:
    """The REST thread from its columns; list pages call it on rows directly (``Store.list_threads_as``)."""
    status_body: dict[str, Any] = {"type": status}
    if status != "active":
        status_body["reason"] = status_reason
    return {
        "id": thread_id,
        "object": "chatkit.thread",
        "created_at": int(created_at),
        "title": title,
        "status": status_body,
        "user": user,
    }


def _attachment(raw: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": raw.get("type", "file"),
        "id": raw["id"],
        "name": raw.get("name", ""),
        "mime_type": raw.get("mime_type", "application/octet-stream"),
        "preview_url": raw.get("preview_url"),
    }


def _annotation(raw: dict[str, Any]) -> dict[str, Any] | None:
    source = raw.get("source") or {}
    if source.get("type") == "url":
        return {"type": "url", "source": {"type": "url", "url": source.get("url", "")}}
    if source.get("type") == "file":
        return {"type": "file", "source": {"type": "file", "filename": source.get("filename", "")}}
    return None


def _task(raw: dict[str, Any]) -> dict[str, Any] | None:
    kind = raw.get("type")
    if kind not in ("custom", "thought"):
        return None
    return {"type": kind, "heading": raw.get("title"), "summary": raw.get("content")}


def _json_text(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def item_to_rest(item: ItemRecord) -> dict[str, Any]:
    raw = orjson.loads(item.data)
    base: dict[str, Any] = {
        "id": item.id,
        "object": "chatkit.thread_item",
        "created_at": int(item.created_at),
        "thread_id": item.thread_id,
    }
    kind = raw.get("type")
    if kind == "user_message":
        content: list[dict[str, Any]] = []
        for part in raw.get("content", []):
            # input_tag has no REST counterpart: it becomes the text the user saw.
            content.append({"type": "input_text", "text": part.get("text", "")})
        if raw.get("quoted_text"):
            content.append({"type": "quoted_text", "text": raw["quoted_text"]})
        options = raw.get("inference_options") or {}
        return base | {
            "type": "chatkit.user_message",
            "content": content,
            "attachments": [_attachment(a) for a in raw.get("attachments", [])],
            "inference_options": {"tool_choice": options.get("tool_choice"), "model": options.get("model")},
        }
    if kind == "assistant_message":
        parts = []
        for part in raw.get("content", []):
            annotations = [a for a in (_annotation(x) for x in part.get("annotations", [])) if a]
            parts.append({"type": "output_text", "text": part.get("text", ""), "annotations": annotations})
        return base | {"type": "chatkit.assistant_message", "content": parts}
    if kind == "widget":
        return base | {"type": "chatkit.widget", "widget": _json_text(raw.get("widget", {}))}
    if kind == "client_tool_call":
        output = raw.get("output")
        return base | {
            "type": "chatkit.client_tool_call",
            "status": "completed" if raw.get("status") == "completed" else "in_progress",
            "call_id": raw.get("call_id", ""),
            "name": raw.get("name", ""),
            "arguments": _json_text(raw.get("arguments", {})),
            "output": None if output is None else _json_text(output),
        }
    if kind == "task":
        task = _task(raw.get("task") or {}) or {"type": "custom", "heading": None, "summary": None}
        return base | {
            "type": "chatkit.task",
            "task_type": task["type"],
            "heading": task["heading"],
            "summary": task["summary"],
        }
    if kind == "workflow":
        tasks = [t for t in (_task(x) for x in (raw.get("workflow") or {}).get("tasks", [])) if t]
        return base | {"type": "chatkit.task_group", "tasks": tasks}
    # A type added to openai-chatkit later: show it as an empty task rather than fail the whole page.
    return base | {"type": "chatkit.task", "task_type": "custom", "heading": kind, "summary": None}
