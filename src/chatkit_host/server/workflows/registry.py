"""Which workflows exist, which version a session runs, and the compiled form of each version.

The built-in ``default`` workflow always exists (version "1", the server's default model, any state
variables). Published workflows live in the database with immutable, numbered versions; compiled versions
are cached per server process, keyed by (workflow id, version number), which is safe because a version's
source never changes.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from chatkit_host.server import ids
from chatkit_host.server.errors import BadRequest, NotFound
from chatkit_host.server.workflows.compile import compile_source, format_of
from chatkit_host.server.workflows.definition import CompiledWorkflow, builtin_default, sha256
from chatkit_host.server.workflows.mcp_servers import close_server
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.records import VersionRecord, WorkflowRecord
from chatkit_host.server.workflows.state import validate_state
from chatkit_host.server.workflows.store import WorkflowStore
from chatkit_host.types.workflows import version_number

logger = logging.getLogger(__name__)

DEFAULT_WORKFLOW_ID = "default"
DEFAULT_VERSION = "1"
WORKFLOW_PREFIX = "wf"


@dataclass(frozen=True)
class ResolvedWorkflow:
    id: str
    #: The version pinned by the session, or None for "whatever is latest when a turn runs".
    version: str | None
    state_variables: dict[str, Any] | None


def _version_number(workflow_id: str, version: str) -> int:
    number = version_number(version)  # ASCII digits within the store's 32-bit column, or None
    if number is None:
        raise NotFound(
            f"Workflow '{workflow_id}' has no version '{version}'.",
            param="workflow.version",
            code="workflow_version_not_found",
        )
    return number


class WorkflowRegistry:
    """Resolves workflow references for sessions and compiled versions for turns."""

    def __init__(self, store: WorkflowStore | None = None, router: ModelRouter | None = None) -> None:
        self.store = store
        self.router = router
        self._compiled: dict[tuple[str, int], CompiledWorkflow] = {}
        self._default: CompiledWorkflow | None = None
        # No run writer here: the registry never used the one it was handed after construction; the trace
        # readers get it from ``AppContext.run_writer`` (``server/app.py``).

    # -- sessions ---------------------------------------------------------------------------------------

    async def resolve(
        self, workflow_id: str, version: str | None, state_variables: dict[str, Any] | None
    ) -> ResolvedWorkflow:
        if workflow_id == DEFAULT_WORKFLOW_ID:
            if version is not None and version != DEFAULT_VERSION:
                raise NotFound(
                    f"Workflow '{workflow_id}' has no version '{version}'.",
                    param="workflow.version",
                    code="workflow_version_not_found",
                )
            return ResolvedWorkflow(workflow_id, version, state_variables)
        workflow = await self._workflow(workflow_id)
        if workflow.archived_at is not None:
            raise BadRequest(
                f"Workflow '{workflow_id}' is archived; publish or pick another workflow.",
                param="workflow.id",
                code="workflow_archived",
            )
        _, compiled = await self.load(workflow_id, version)
        if compiled.state is not None:
            validate_state(compiled.state, state_variables)
        return ResolvedWorkflow(workflow_id, version, state_variables)

    async def _workflow(self, workflow_id: str) -> WorkflowRecord:
        found = await self.store.get_workflow(workflow_id) if self.store else None
        if found is None:
            raise NotFound(f"No workflow with id '{workflow_id}'.", param="workflow.id", code="workflow_not_found")
        return found

    # -- turns ------------------------------------------------------------------------------------------

    async def load(self, workflow_id: str, version: str | None) -> tuple[str, CompiledWorkflow]:
        """The version a turn runs (the pinned one, else the current latest) and its compiled form."""
        if workflow_id == DEFAULT_WORKFLOW_ID:
            if self._default is None:
                self._default = builtin_default(self._router())
            return DEFAULT_VERSION, self._default
        if version is None:
            workflow = await self._workflow(workflow_id)
            if workflow.latest_version is None:
                raise NotFound(
                    f"Workflow '{workflow_id}' has no published version yet.",
                    param="workflow.version",
                    code="workflow_version_not_found",
                )
            number = workflow.latest_version
        else:
            number = _version_number(workflow_id, version)
        cached = self._compiled.get((workflow_id, number))
        if cached is not None:
            return str(number), cached
        record = await self.store.get_version(workflow_id, number) if self.store else None
        if record is None:
            await self._workflow(workflow_id)
            raise NotFound(
                f"Workflow '{workflow_id}' has no version '{version}'.",
                param="workflow.version",
                code="workflow_version_not_found",
            )
        # Another turn may have compiled it while we read the record; compiling is synchronous, so checking
        # again here leaves exactly one compiled form (a Python module runs once, its MCP servers get closed).
        compiled = self._compiled.get((workflow_id, number))
        if compiled is None:
            compiled = self._compile(workflow_id, record.format, record.source)
            self._compiled[(workflow_id, number)] = compiled
        return str(number), compiled

    def _router(self) -> ModelRouter:
        if self.router is None:
            raise RuntimeError("the workflow registry has no model router")
        return self.router

    def _compile(self, workflow_id: str, fmt: str, source: str) -> CompiledWorkflow:
        safe = "".join(c if c.isalnum() else "_" for c in workflow_id)[:48]
        module_name = f"chatkit_host_workflow_{safe}_{uuid.uuid4().hex[:12]}"
        return compile_source(fmt, source, module_name, self._router())

    # -- publishing -------------------------------------------------------------------------------------

    async def publish(
        self,
        workflow_id: str | None,
        name: str | None,
        fmt: str,
        source: str,
        make_latest: bool,
        now: float,
    ) -> tuple[WorkflowRecord, VersionRecord]:
        if self.store is None:
            raise RuntimeError("the workflow registry has no store")
        if workflow_id == DEFAULT_WORKFLOW_ID:
            raise BadRequest("The built-in workflow 'default' cannot be published to.", param="id", code="reserved")
        workflow_id = workflow_id or ids.new_id(WORKFLOW_PREFIX)
        compiled = self._compile(workflow_id, fmt, source)
        workflow, version = await self.store.publish(
            workflow_id, name, fmt, source, sha256(source), compiled.summary(), make_latest, now
        )
        self._compiled[(workflow_id, version.version)] = compiled
        return workflow, version

    async def register_paths(self, paths: tuple[Path, ...], now: float) -> None:
        """Publish each file as its workflow's latest version unless that exact source is already latest."""
        for path in paths:
            source = path.read_text(encoding="utf-8")
            fmt = format_of(path)
            workflow_id = path.stem
            if fmt == "yaml":
                raw = yaml.safe_load(source)
                if isinstance(raw, dict) and isinstance(raw.get("id"), str):
                    workflow_id = raw["id"]
            assert self.store is not None
            existing = await self.store.get_workflow(workflow_id)
            if existing is not None and existing.latest_version is not None:
                latest = await self.store.get_version(workflow_id, existing.latest_version)
                if latest is not None and latest.sha256 == sha256(source):
                    logger.info("workflow %s v%s is up to date with %s", workflow_id, latest.version, path)
                    continue
            _, version = await self.publish(workflow_id, None, fmt, source, True, now)
            logger.info("registered %s as workflow %s v%s", path, workflow_id, version.version)

    async def aclose(self) -> None:
        for compiled in self._compiled.values():
            for server in compiled.mcp_servers:
                try:
                    await close_server(server)
                except Exception:  # closing must go on for the other servers
                    logger.exception("could not close MCP server %s", server.name)
