"""``/v1/chatkit/workflows``: list, retrieve, publish, list versions, set latest, archive (admin key)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from pydantic import Field

from chatkit_host.server.api.paging import ListParams, check_cursor, list_body
from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import Conflict, NotFound
from chatkit_host.server.http.endpoints import Args, Endpoint
from chatkit_host.server.store import StoreConflict
from chatkit_host.server.workflows.records import VersionRecord, WorkflowRecord
from chatkit_host.server.workflows.registry import DEFAULT_VERSION, DEFAULT_WORKFLOW_ID
from chatkit_host.server.workflows.store import VERSION_PREFIX, WorkflowStore
from chatkit_host.types.common import ListPage
from chatkit_host.types.workflows import (
    PublishVersionBody,
    PublishWorkflowBody,
    SetLatestBody,
    Workflow,
    WorkflowVersion,
    version_number,
)


def workflow_to_rest(record: WorkflowRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "object": "chatkit.workflow",
        "name": record.name,
        "latest_version": str(record.latest_version) if record.latest_version is not None else None,
        "version_count": record.version_count,
        "builtin": False,
        "archived": record.archived_at is not None,
        "created_at": int(record.created_at),
        "updated_at": int(record.updated_at),
    }


def version_to_rest(record: VersionRecord, latest: int | None, with_source: bool) -> dict[str, Any]:
    summary = record.summary
    return {
        "id": record.id,
        "object": "chatkit.workflow.version",
        "workflow_id": record.workflow_id,
        "version": str(record.version),
        "format": record.format,
        "kind": summary.get("kind", "agents"),
        "sha256": record.sha256,
        "agents": summary.get("agents", []),
        "models": summary.get("models", []),
        "state_variables": summary.get("state_variables") or {},
        "is_latest": record.version == latest,
        "created_at": int(record.created_at),
        "source": record.source if with_source else None,
    }


def _default_workflow() -> dict[str, Any]:
    return {
        "id": DEFAULT_WORKFLOW_ID,
        "object": "chatkit.workflow",
        "name": "Built-in assistant",
        "latest_version": DEFAULT_VERSION,
        "version_count": 1,
        "builtin": True,
        "archived": False,
        "created_at": 0,
        "updated_at": 0,
    }


def _default_version(context: AppContext) -> dict[str, Any]:
    router = context.models
    return {
        "id": "wfv_default",
        "object": "chatkit.workflow.version",
        "workflow_id": DEFAULT_WORKFLOW_ID,
        "version": DEFAULT_VERSION,
        "format": "builtin",
        "kind": "agents",
        "sha256": None,
        "agents": ["Assistant"],
        "models": [router.default_model] if router else [],
        "state_variables": {},
        "is_latest": True,
        "created_at": 0,
        "source": None,
    }


def _store(context: AppContext) -> WorkflowStore:
    store = context.workflow_store
    assert store is not None
    return store


async def _get(context: AppContext, workflow_id: str) -> WorkflowRecord:
    record = await _store(context).get_workflow(workflow_id)
    if record is None:
        raise NotFound(f"No workflow with id '{workflow_id}'.", param="workflow_id", code="workflow_not_found")
    return record


class WorkflowListQuery(ListParams):
    include_archived: Annotated[bool, Field(description="Also list archived workflows.")] = False


async def list_workflows(context: AppContext, args: Args) -> dict[str, Any]:
    query = args.query
    # The built-in workflow is not a row: it heads the first page, and a cursor naming it means "the rows".
    after = None if query["after"] == DEFAULT_WORKFLOW_ID else query["after"]
    with_default = query["after"] is None and query["before"] is None and query["limit"] > 0
    limit = query["limit"] - 1 if with_default else query["limit"]
    page = await _store(context).list_workflows(
        after=after,
        before=query["before"],
        limit=limit,
        order=query["order"],
        include_archived=query["include_archived"],
    )
    data = [workflow_to_rest(w) for w in page.data]
    if with_default:
        data = [_default_workflow(), *data]
    return list_body(data, page.has_more)


@contextmanager
def _concurrent_publish_as_conflict() -> Iterator[None]:
    """The store refuses a version number another publish took meanwhile: the client retries (409)."""
    try:
        yield
    except StoreConflict as exc:
        raise Conflict("Another version was published at the same time; retry.", param="id") from exc


async def publish(context: AppContext, args: Args) -> dict[str, Any]:
    body = args.body
    assert isinstance(body, PublishWorkflowBody)
    with _concurrent_publish_as_conflict():
        workflow, version = await context.registry.publish(
            body.id, body.name, body.format, body.source, body.make_latest, context.clock()
        )
    return version_to_rest(version, workflow.latest_version, with_source=False)


async def retrieve(context: AppContext, args: Args) -> dict[str, Any]:
    workflow_id = args.path["workflow_id"]
    if workflow_id == DEFAULT_WORKFLOW_ID:
        return _default_workflow()
    return workflow_to_rest(await _get(context, workflow_id))


async def list_versions(context: AppContext, args: Args) -> dict[str, Any]:
    workflow_id, query = args.path["workflow_id"], args.query
    if workflow_id == DEFAULT_WORKFLOW_ID:
        return list_body([_default_version(context)], False)
    workflow = await _get(context, workflow_id)
    check_cursor(query, VERSION_PREFIX)
    page = await _store(context).list_versions(
        workflow_id, after=query["after"], before=query["before"], limit=query["limit"], order=query["order"]
    )
    return list_body([version_to_rest(v, workflow.latest_version, with_source=False) for v in page.data], page.has_more)


async def publish_version(context: AppContext, args: Args) -> dict[str, Any]:
    workflow_id, body = args.path["workflow_id"], args.body
    assert isinstance(body, PublishVersionBody)
    await _get(context, workflow_id)
    with _concurrent_publish_as_conflict():
        workflow, version = await context.registry.publish(
            workflow_id, None, body.format, body.source, body.make_latest, context.clock()
        )
    return version_to_rest(version, workflow.latest_version, with_source=False)


def _no_version(workflow_id: str, version: str) -> NotFound:
    return NotFound(
        f"Workflow '{workflow_id}' has no version '{version}'.", param="version", code="workflow_version_not_found"
    )


async def retrieve_version(context: AppContext, args: Args) -> dict[str, Any]:
    workflow_id, version = args.path["workflow_id"], args.path["version"]
    if workflow_id == DEFAULT_WORKFLOW_ID and version == DEFAULT_VERSION:
        return _default_version(context)
    workflow = await _get(context, workflow_id)
    number = version_number(version)
    record = await _store(context).get_version(workflow_id, number) if number is not None else None
    if record is None:
        raise _no_version(workflow_id, version)
    return version_to_rest(record, workflow.latest_version, with_source=True)


async def set_latest(context: AppContext, args: Args) -> dict[str, Any]:
    workflow_id, body = args.path["workflow_id"], args.body
    assert isinstance(body, SetLatestBody)
    await _get(context, workflow_id)
    number = version_number(body.version)
    version = await _store(context).get_version(workflow_id, number) if number is not None else None
    if version is None:
        raise _no_version(workflow_id, body.version)
    updated = await _store(context).update_workflow(workflow_id, context.clock(), latest_version=version.version)
    assert updated is not None
    return workflow_to_rest(updated)


async def archive(context: AppContext, args: Args) -> dict[str, Any]:
    workflow_id = args.path["workflow_id"]
    if workflow_id == DEFAULT_WORKFLOW_ID:
        raise NotFound("The built-in workflow 'default' cannot be archived.", param="workflow_id")
    current = await _get(context, workflow_id)
    now = context.clock()
    updated = await _store(context).update_workflow(workflow_id, now, archived_at=current.archived_at or now)
    assert updated is not None
    return workflow_to_rest(updated)


_PATH = "/v1/chatkit/workflows"
_ONE = _PATH + "/{workflow_id}"

ENDPOINTS = [
    Endpoint(
        "GET",
        _PATH,
        list_workflows,
        ListPage[Workflow],
        "List workflows (the built-in one first).",
        query=WorkflowListQuery,
    ),
    Endpoint(
        "POST",
        _PATH,
        publish,
        WorkflowVersion,
        "Publish a workflow's next version (creating it).",
        body=PublishWorkflowBody,
    ),
    Endpoint("GET", _ONE, retrieve, Workflow, "Retrieve a workflow."),
    Endpoint("GET", _ONE + "/versions", list_versions, ListPage[WorkflowVersion], "List versions.", query=ListParams),
    Endpoint(
        "POST", _ONE + "/versions", publish_version, WorkflowVersion, "Publish a new version.", body=PublishVersionBody
    ),
    Endpoint("GET", _ONE + "/versions/{version}", retrieve_version, WorkflowVersion, "Retrieve a version."),
    Endpoint("POST", _ONE + "/latest", set_latest, Workflow, "Choose which version is latest.", body=SetLatestBody),
    Endpoint("POST", _ONE + "/archive", archive, Workflow, "Archive: no new sessions may use it."),
]
