"""Workflows and their versions (chatkit-host extension; admin only)."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from chatkit_host.types.common import STORE_INT_MAX, WireModel
from chatkit_host.types.sessions import StateValue

StateVariableType = Literal["string", "number", "integer", "boolean"]
DefinitionFormat = Literal["yaml", "python"]

#: Largest definition source accepted over REST (characters).
MAX_SOURCE_LENGTH = 1_000_000


#: Leading zeros are allowed ("01" has always named version 1); 20 digits bound the work of ``int``.
_VERSION_DIGITS = re.compile(r"[0-9]{1,20}")


def version_number(text: str) -> int | None:
    """The number a version string names (``"3"`` -> 3), or None if no version can be called that.

    ASCII digits only (``"²".isdigit()`` is true, ``int("²")`` fails) and no larger than the store's 32-bit
    column (``10**30`` would overflow PostgreSQL): every caller answers None as "no such version" (404).
    """
    if not _VERSION_DIGITS.fullmatch(text):
        return None
    number = int(text)
    return number if 1 <= number <= STORE_INT_MAX else None


class _Param(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StateVariable(WireModel):
    """A state variable a workflow declares: sessions may set it; unset ones take ``default``."""

    type: StateVariableType
    default: StateValue | None = None
    description: str | None = None


class Workflow(WireModel):
    """The ``chatkit.workflow`` object."""

    id: str
    object: Literal["chatkit.workflow"] = "chatkit.workflow"
    name: str | None = None
    #: The version new sessions without a pinned version run; None until one is published.
    latest_version: str | None = None
    version_count: int
    builtin: bool = False
    archived: bool = False
    created_at: int
    updated_at: int


class WorkflowVersion(WireModel):
    """The ``chatkit.workflow.version`` object; ``source`` only when retrieved by itself."""

    id: str
    object: Literal["chatkit.workflow.version"] = "chatkit.workflow.version"
    workflow_id: str
    version: str
    format: DefinitionFormat | Literal["builtin"]
    #: "agents" (declarative or Agents SDK module) or "agent_builder_export" (``run_workflow`` module).
    kind: str
    sha256: str | None = None
    agents: list[str] = []
    #: Models ``inference_options.model`` may pick; the first is the default.
    models: list[str] = []
    state_variables: dict[str, StateVariable] = {}
    is_latest: bool
    created_at: int
    source: str | None = None


class PublishWorkflowBody(_Param):
    """Body of ``POST /v1/chatkit/workflows`` (new workflow or new version of ``id``)."""

    id: Annotated[StrictStr, Field(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")] | None = (
        None
    )
    name: Annotated[StrictStr, Field(max_length=512)] | None = None
    format: DefinitionFormat
    source: Annotated[StrictStr, Field(min_length=1, max_length=MAX_SOURCE_LENGTH)]
    #: Whether the new version becomes latest at once (default true).
    make_latest: StrictBool = True


class PublishVersionBody(_Param):
    """Body of ``POST /v1/chatkit/workflows/{id}/versions``."""

    format: DefinitionFormat
    source: Annotated[StrictStr, Field(min_length=1, max_length=MAX_SOURCE_LENGTH)]
    make_latest: StrictBool = True


class SetLatestBody(_Param):
    """Body of ``POST /v1/chatkit/workflows/{id}/latest``."""

    version: Annotated[StrictStr, Field(min_length=1, max_length=64)]
