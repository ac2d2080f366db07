"""Which workflows exist. The built-in ``default`` workflow always does.

This is the seam the workflow engine plugs into: the REST API asks it to resolve a session's workflow
reference and state variables before a session is created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chatkit_host.errors import NotFound

DEFAULT_WORKFLOW_ID = "default"


@dataclass(frozen=True)
class ResolvedWorkflow:
    id: str
    #: The version pinned by the session, or None for "whatever is latest when a turn runs".
    version: str | None
    state_variables: dict[str, Any] | None


class WorkflowRegistry:
    """Resolves workflow references; knows only the built-in workflow until definitions are registered."""

    async def resolve(
        self, workflow_id: str, version: str | None, state_variables: dict[str, Any] | None
    ) -> ResolvedWorkflow:
        if workflow_id != DEFAULT_WORKFLOW_ID:
            raise NotFound(f"No workflow with id '{workflow_id}'.", param="workflow.id", code="workflow_not_found")
        if version is not None and version != "1":
            raise NotFound(
                f"Workflow '{workflow_id}' has no version '{version}'.",
                param="workflow.version",
                code="workflow_version_not_found",
            )
        return ResolvedWorkflow(workflow_id, version, state_variables)
