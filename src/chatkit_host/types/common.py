"""Shapes shared by every resource: the list page and the deletion receipt."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

T = TypeVar("T")

#: The largest integer a counter or limit column holds: PostgreSQL's INTEGER is 32-bit (``server/store/schema.py``),
#: so request bodies bound such values here, at the edge, rather than letting the store overflow (issue 13.4).
STORE_INT_MAX = 2**31 - 1


class WireModel(BaseModel):
    """Base of every wire type: unknown fields from newer servers are kept, not rejected."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ListPage(WireModel, Generic[T]):
    """OpenAI's cursor page: ``{object: "list", data, first_id, last_id, has_more}``."""

    object: Literal["list"] = "list"
    data: list[T]
    first_id: str | None = None
    last_id: str | None = None
    has_more: bool = False


class DeletedObject(WireModel):
    """Receipt of a deletion."""

    id: str
    object: str
    deleted: bool
