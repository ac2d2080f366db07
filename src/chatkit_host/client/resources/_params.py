"""Small helpers for building calls: body values, path segments, list parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import quote

from pydantic import BaseModel

Order = Literal["asc", "desc"]


def body_value(value: BaseModel | Mapping[str, Any]) -> Any:
    """A request parameter given as one of our pydantic models or as a plain dict, ready for JSON.

    Nothing is validated here: the server is the one judge of input, and answers bad input with a 400.
    """
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_none=True)
    return dict(value)


def segment(value: str) -> str:
    """An id as one path segment, so an id with ``/`` or ``?`` in it cannot reach another endpoint."""
    return quote(value, safe="")


def list_params(
    *, after: str | None, before: str | None, limit: int | None, order: Order | None
) -> dict[str, str | int | None]:
    return {"after": after, "before": before, "limit": limit, "order": order}
