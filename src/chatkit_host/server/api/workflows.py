"""``/v1/chatkit/workflows``: list, retrieve, publish, list versions, set latest, archive (admin key)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from chatkit_host.server.context import AppContext
from chatkit_host.server.errors import Conflict, NotFound
from chatkit_host.server.http.plumbing import (
    AdminContext,
    Paging,
    check_cursor,
    json_response,
    list_body,
    parse_model,
    read_json,
)
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
)

router = APIRouter(prefix="/v1/chatkit/workflows", tags=["workflows"])


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


@router.get("", response_model=ListPage[Workflow], summary="List workflows (the built-in one first).")
async def list_workflows(
    context: AdminContext,
    paging: Paging,
    include_archived: Annotated[bool, Query(description="Also list archived workflows.")] = False,
) -> Response:
    # The built-in workflow is not a row: it heads the first page, and a cursor naming it means "the rows".
    after = None if paging.after == DEFAULT_WORKFLOW_ID else paging.after
    with_default = paging.after is None and paging.before is None and paging.limit > 0
    limit = paging.limit - 1 if with_default else paging.limit
    page = await _store(context).list_workflows(
        after=after, before=paging.before, limit=limit, order=paging.order, include_archived=include_archived
    )
    data = [workflow_to_rest(w) for w in page.data]
    if with_default:
        data = [_default_workflow(), *data]
    return json_response(list_body(data, page.has_more))


@contextmanager
def _concurrent_publish_as_conflict() -> Iterator[None]:
    """The store refuses a version number another publish took meanwhile: the client retries (409)."""
    try:
        yield
    except StoreConflict as exc:
        raise Conflict("Another version was published at the same time; retry.", param="id") from exc


@router.post("", response_model=WorkflowVersion, summary="Publish a workflow's next version (creating it).")
async def publish(request: Request, context: AdminContext) -> Response:
    body = parse_model(PublishWorkflowBody, await read_json(request, context.settings.max_body_bytes))
    with _concurrent_publish_as_conflict():
        workflow, version = await context.registry.publish(
            body.id, body.name, body.format, body.source, body.make_latest, context.clock()
        )
    return json_response(version_to_rest(version, workflow.latest_version, with_source=False))


@router.get("/{workflow_id}", response_model=Workflow, summary="Retrieve a workflow.")
async def retrieve(workflow_id: str, context: AdminContext) -> Response:
    if workflow_id == DEFAULT_WORKFLOW_ID:
        return json_response(_default_workflow())
    return json_response(workflow_to_rest(await _get(context, workflow_id)))


@router.get("/{workflow_id}/versions", response_model=ListPage[WorkflowVersion], summary="List versions.")
async def list_versions(workflow_id: str, context: AdminContext, paging: Paging) -> Response:
    if workflow_id == DEFAULT_WORKFLOW_ID:
        return json_response(list_body([_default_version(context)], False))
    workflow = await _get(context, workflow_id)
    check_cursor(paging, VERSION_PREFIX)
    page = await _store(context).list_versions(
        workflow_id, after=paging.after, before=paging.before, limit=paging.limit, order=paging.order
    )
    data = [version_to_rest(v, workflow.latest_version, with_source=False) for v in page.data]
    return json_response(list_body(data, page.has_more))


@router.post("/{workflow_id}/versions", response_model=WorkflowVersion, summary="Publish a new version.")
async def publish_version(workflow_id: str, request: Request, context: AdminContext) -> Response:
    body = parse_model(PublishVersionBody, await read_json(request, context.settings.max_body_bytes))
    await _get(context, workflow_id)
    with _concurrent_publish_as_conflict():
        workflow, version = await context.registry.publish(
            workflow_id, None, body.format, body.source, body.make_latest, context.clock()
        )
    return json_response(version_to_rest(version, workflow.latest_version, with_source=False))


@router.get("/{workflow_id}/versions/{version}", response_model=WorkflowVersion, summary="Retrieve a version.")
async def retrieve_version(workflow_id: str, version: str, context: AdminContext) -> Response:
    if workflow_id == DEFAULT_WORKFLOW_ID and version == DEFAULT_VERSION:
        return json_response(_default_version(context))
    workflow = await _get(context, workflow_id)
    record = await _store(context).get_version(workflow_id, int(version)) if version.isdigit() else None
    if record is None:
        raise NotFound(
            f"Workflow '{workflow_id}' has no version '{version}'.",
            param="version",
            code="workflow_version_not_found",
        )
    return json_response(version_to_rest(record, workflow.latest_version, with_source=True))


@router.post("/{workflow_id}/latest", response_model=Workflow, summary="Choose which version is latest.")
async def set_latest(workflow_id: str, request: Request, context: AdminContext) -> Response:
    body = parse_model(SetLatestBody, await read_json(request, context.settings.max_body_bytes))
    await _get(context, workflow_id)
    version = await _store(context).get_version(workflow_id, int(body.version)) if body.version.isdigit() else None
    if version is None:
        raise NotFound(
            f"Workflow '{workflow_id}' has no version '{body.version}'.",
            param="version",
            code="workflow_version_not_found",
        )
    updated = await _store(context).update_workflow(workflow_id, context.clock(), latest_version=version.version)
    assert updated is not None
    return json_response(workflow_to_rest(updated))


@router.post("/{workflow_id}/archive", response_model=Workflow, summary="Archive: no new sessions may use it.")
async def archive(workflow_id: str, context: AdminContext) -> Response:
    if workflow_id == DEFAULT_WORKFLOW_ID:
        raise NotFound("The built-in workflow 'default' cannot be archived.", param="workflow_id")
    current = await _get(context, workflow_id)
    now = context.clock()
    updated = await _store(context).update_workflow(workflow_id, now, archived_at=current.archived_at or now)
    assert updated is not None
    return json_response(workflow_to_rest(updated))
