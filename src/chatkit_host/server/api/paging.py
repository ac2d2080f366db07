"""Paging of REST list routes: the shared query parameters, cursor checks and OpenAI's list page body."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from chatkit_host.server import ids
from chatkit_host.server.errors import BadRequest


class ListParams(BaseModel):
    """The paging parameters; a list route's query model subclasses it to add its filters."""

    limit: Annotated[int, Field(ge=0, le=100, description="Maximum number of objects to return.")] = 20
    order: Annotated[Literal["asc", "desc"], Field(description="Sort order by creation time.")] = "desc"
    after: Annotated[str | None, Field(description="Return objects after this id in the list order.")] = None
    before: Annotated[str | None, Field(description="Return objects before this id in the list order.")] = None


#: A filter on a list: absent, or a non-empty value of sensible length.
Filter = Annotated[str | None, Field(min_length=1, max_length=512)]


def check_cursor(query: dict[str, Any], prefix: str) -> None:
    """400 for a cursor that is not a well-formed id of the listed kind (a deleted object's id still works)."""
    for name in ("after", "before"):
        value = query[name]
        if value is not None and not ids.is_valid(value, prefix):
            raise BadRequest(f"Invalid '{name}': '{value}' is not a {prefix}_ id.", param=name, code="invalid_cursor")


def list_body(data: list[dict[str, Any]], has_more: bool) -> dict[str, Any]:
    return {
        "object": "list",
        "data": data,
        "first_id": data[0]["id"] if data else None,
        "last_id": data[-1]["id"] if data else None,
        "has_more": has_more,
    }
