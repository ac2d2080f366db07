"""``client.chatkit.workflows``: publish, list and inspect workflows and their versions (chatkit-host only)."""

from __future__ import annotations

from typing import Any

from chatkit_host.client._base import Call
from chatkit_host.client.resources._ops import (
    AsyncResource,
    AsyncRunner,
    SyncResource,
    SyncRunner,
    async_list,
    async_op,
    sync_list,
    sync_op,
)
from chatkit_host.client.resources._params import Order, list_params, segment
from chatkit_host.types.common import ListPage
from chatkit_host.types.workflows import DefinitionFormat, Workflow, WorkflowVersion

_PATH = "/v1/chatkit/workflows"


def _definition(format: DefinitionFormat, source: str, make_latest: bool | None) -> dict[str, Any]:
    body: dict[str, Any] = {"format": format, "source": source}
    if make_latest is not None:
        body["make_latest"] = make_latest
    return body


def publish(
    *,
    source: str,
    format: DefinitionFormat = "yaml",
    id: str | None = None,
    name: str | None = None,
    make_latest: bool | None = None,
) -> Call[WorkflowVersion]:
    """Publish a definition as the next version of workflow ``id`` (created if new; an id is minted if none)."""
    body = _definition(format, source, make_latest)
    body.update({key: value for key, value in (("id", id), ("name", name)) if value is not None})
    return Call("POST", _PATH, WorkflowVersion.model_validate, json=body)


def retrieve(workflow_id: str) -> Call[Workflow]:
    """A workflow by id (``default`` is the built-in one)."""
    return Call("GET", f"{_PATH}/{segment(workflow_id)}", Workflow.model_validate)


def list_(
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    order: Order | None = None,
    include_archived: bool | None = None,
) -> Call[ListPage[Workflow]]:
    """Workflows; the built-in ``default`` heads the first page."""
    params = list_params(after=after, before=before, limit=limit, order=order)
    if include_archived is not None:
        params["include_archived"] = "true" if include_archived else "false"
    return Call("GET", _PATH, ListPage[Workflow].model_validate, params=params)


def set_latest(workflow_id: str, *, version: str) -> Call[Workflow]:
    """Make ``version`` the one new sessions without a pinned version run."""
    return Call("POST", f"{_PATH}/{segment(workflow_id)}/latest", Workflow.model_validate, json={"version": version})


def archive(workflow_id: str) -> Call[Workflow]:
    """Archive a workflow: existing sessions keep running, new ones are refused."""
    return Call("POST", f"{_PATH}/{segment(workflow_id)}/archive", Workflow.model_validate)


def create_version(
    workflow_id: str, *, source: str, format: DefinitionFormat = "yaml", make_latest: bool | None = None
) -> Call[WorkflowVersion]:
    """Publish a new version of an existing workflow."""
    path = f"{_PATH}/{segment(workflow_id)}/versions"
    return Call("POST", path, WorkflowVersion.model_validate, json=_definition(format, source, make_latest))


def retrieve_version(workflow_id: str, version: str) -> Call[WorkflowVersion]:
    """One version, with its ``source``."""
    path = f"{_PATH}/{segment(workflow_id)}/versions/{segment(version)}"
    return Call("GET", path, WorkflowVersion.model_validate)


def list_versions(
    workflow_id: str,
    *,
    after: str | None = None,
    before: str | None = None,
    limit: int | None = None,
    order: Order | None = None,
) -> Call[ListPage[WorkflowVersion]]:
    """A workflow's versions (without their source)."""
    params = list_params(after=after, before=before, limit=limit, order=order)
    path = f"{_PATH}/{segment(workflow_id)}/versions"
    return Call("GET", path, ListPage[WorkflowVersion].model_validate, params=params)


class Versions(SyncResource):
    """``client.chatkit.workflows.versions``."""

    create = sync_op(create_version)
    retrieve = sync_op(retrieve_version)
    list = sync_list(list_versions)


class AsyncVersions(AsyncResource):
    """``client.chatkit.workflows.versions`` of the async client."""

    create = async_op(create_version)
    retrieve = async_op(retrieve_version)
    list = async_list(list_versions)


class Workflows(SyncResource):
    publish = sync_op(publish)
    retrieve = sync_op(retrieve)
    list = sync_list(list_)
    set_latest = sync_op(set_latest)
    archive = sync_op(archive)

    def __init__(self, runner: SyncRunner) -> None:
        super().__init__(runner)
        self.versions = Versions(runner)


class AsyncWorkflows(AsyncResource):
    publish = async_op(publish)
    retrieve = async_op(retrieve)
    list = async_list(list_)
    set_latest = async_op(set_latest)
    archive = async_op(archive)

    def __init__(self, runner: AsyncRunner) -> None:
        super().__init__(runner)
        self.versions = AsyncVersions(runner)
