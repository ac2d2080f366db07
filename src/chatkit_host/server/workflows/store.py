"""Reads and writes of workflows, versions, traces and usage, on the same engines as the main store."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from chatkit_host.server import ids
from chatkit_host.server.errors import Conflict
from chatkit_host.server.store import schema
from chatkit_host.server.store.engine import Engines
from chatkit_host.server.store.paging import finish, keyset
from chatkit_host.server.store.records import Order, Page
from chatkit_host.server.workflows.records import SpanRecord, TraceRecord, UsageRecord, VersionRecord, WorkflowRecord

VERSION_PREFIX = "wfv"
USAGE_PREFIX = "usage"

_USAGE_KEYS = {
    "session": (schema.usage_records.c.session_id,),
    "thread": (schema.usage_records.c.thread_id,),
    "user": (schema.usage_records.c.user,),
    "workflow_version": (schema.usage_records.c.workflow_id, schema.usage_records.c.workflow_version),
}


def _workflow(row: Row[Any]) -> WorkflowRecord:
    return WorkflowRecord(**dict(row._mapping))


def _version(row: Row[Any]) -> VersionRecord:
    values = dict(row._mapping)
    values["summary"] = orjson.loads(values["summary"])
    return VersionRecord(**values)


def _span(row: Row[Any]) -> SpanRecord:
    values = dict(row._mapping)
    values["data"] = orjson.loads(values["data"])
    return SpanRecord(**values)


class WorkflowStore:
    """Workflow and trace data; shares ``Store.engines`` so one pool serves the whole server."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    # -- workflows and versions -----------------------------------------------------------------------

    async def publish(
        self,
        workflow_id: str,
        name: str | None,
        fmt: str,
        source: str,
        sha256: str,
        summary: dict[str, Any],
        make_latest: bool,
        now: float,
    ) -> tuple[WorkflowRecord, VersionRecord]:
        """Add the next version of ``workflow_id`` (creating the workflow on its first version)."""
        w = schema.workflows
        try:
            async with self.engines.write.begin() as conn:
                row = (await conn.execute(select(w).where(w.c.id == workflow_id).with_for_update())).first()
                if row is None:
                    number = 1
                    await conn.execute(
                        insert(w).values(
                            id=workflow_id,
                            name=name,
                            latest_version=1 if make_latest else None,
                            version_count=1,
                            archived_at=None,
                            created_at=now,
                            updated_at=now,
                        )
                    )
                else:
                    current = _workflow(row)
                    number = current.version_count + 1
                    values: dict[str, Any] = {"version_count": number, "updated_at": now}
                    if make_latest or current.latest_version is None:
                        values["latest_version"] = number
                    if name is not None:
                        values["name"] = name
                    # The count in the WHERE makes a concurrent publish fail instead of reusing a number.
                    result = await conn.execute(
                        update(w)
                        .where(w.c.id == workflow_id, w.c.version_count == current.version_count)
                        .values(values)
                    )
                    if result.rowcount != 1:
                        raise Conflict("Another version was published at the same time; retry.", param="id")
                version = VersionRecord(
                    id=ids.new_id(VERSION_PREFIX),
                    workflow_id=workflow_id,
                    version=number,
                    format=fmt,
                    source=source,
                    sha256=sha256,
                    summary=summary,
                    created_at=now,
                )
                await conn.execute(
                    insert(schema.workflow_versions).values(
                        **(version.__dict__ | {"summary": orjson.dumps(summary).decode()})
                    )
                )
                stored = (await conn.execute(select(w).where(w.c.id == workflow_id))).one()
        except IntegrityError as exc:
            raise Conflict("Another version was published at the same time; retry.", param="id") from exc
        return _workflow(stored), version

    async def get_workflow(self, workflow_id: str) -> WorkflowRecord | None:
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(select(schema.workflows).where(schema.workflows.c.id == workflow_id))).first()
        return _workflow(row) if row else None

    async def list_workflows(
        self, *, after: str | None, before: str | None, limit: int, order: Order, include_archived: bool
    ) -> Page[WorkflowRecord]:
        w = schema.workflows
        query = select(w)
        if not include_archived:
            query = query.where(w.c.archived_at.is_(None))
        query, reversed_ = keyset(query, w.c.id, order=order, after=after, before=before, limit=limit)
        async with self.engines.read.connect() as conn:
            rows = list((await conn.execute(query)).all())
        data, has_more = finish(rows, limit, reversed_)
        return Page([_workflow(r) for r in data], has_more)

    async def get_version(self, workflow_id: str, version: int) -> VersionRecord | None:
        v = schema.workflow_versions
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(select(v).where(v.c.workflow_id == workflow_id, v.c.version == version))).first()
        return _version(row) if row else None

    async def latest_version_with_sha(self, workflow_id: str, sha256: str) -> VersionRecord | None:
        v = schema.workflow_versions
        query = select(v).where(v.c.workflow_id == workflow_id, v.c.sha256 == sha256).order_by(v.c.id.desc()).limit(1)
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(query)).first()
        return _version(row) if row else None

    async def list_versions(
        self, workflow_id: str, *, after: str | None, before: str | None, limit: int, order: Order
    ) -> Page[VersionRecord]:
        v = schema.workflow_versions
        query = select(v).where(v.c.workflow_id == workflow_id)
        query, reversed_ = keyset(query, v.c.id, order=order, after=after, before=before, limit=limit)
        async with self.engines.read.connect() as conn:
            rows = list((await conn.execute(query)).all())
        data, has_more = finish(rows, limit, reversed_)
        return Page([_version(r) for r in data], has_more)

    async def update_workflow(self, workflow_id: str, now: float, **values: Any) -> WorkflowRecord | None:
        w = schema.workflows
        async with self.engines.write.begin() as conn:
            await conn.execute(update(w).where(w.c.id == workflow_id).values(updated_at=now, **values))
            row = (await conn.execute(select(w).where(w.c.id == workflow_id))).first()
        return _workflow(row) if row else None

    # -- traces and usage -----------------------------------------------------------------------------

    async def save_runs(self, runs: list[tuple[TraceRecord | None, list[SpanRecord], UsageRecord]]) -> None:
        """Store runs' traces (for runs traced) and usage in a single transaction."""
        traces = [trace.__dict__ for trace, _, _ in runs if trace is not None]
        spans = [
            s.__dict__ | {"data": orjson.dumps(s.data, default=str).decode()}
            for _, run_spans, _ in runs
            for s in run_spans
        ]
        async with self.engines.write.begin() as conn:
            if traces:
                await conn.execute(insert(schema.traces), traces)
            if spans:
                await conn.execute(insert(schema.trace_spans), spans)
            await conn.execute(insert(schema.usage_records), [usage.__dict__ for _, _, usage in runs])

    async def get_trace(self, trace_id: str) -> tuple[TraceRecord, list[SpanRecord]] | None:
        t, s = schema.traces, schema.trace_spans
        async with self.engines.read.connect() as conn:
            row = (await conn.execute(select(t).where(t.c.id == trace_id))).first()
            if row is None:
                return None
            spans = (await conn.execute(select(s).where(s.c.trace_id == trace_id).order_by(s.c.id))).all()
        return TraceRecord(**dict(row._mapping)), [_span(r) for r in spans]

    async def list_traces(
        self,
        *,
        filters: dict[str, str],
        after: str | None,
        before: str | None,
        limit: int,
        order: Order,
    ) -> Page[TraceRecord]:
        t = schema.traces
        query = select(t)
        for name, value in filters.items():
            query = query.where(t.c[name] == value)
        query, reversed_ = keyset(query, t.c.id, order=order, after=after, before=before, limit=limit)
        async with self.engines.read.connect() as conn:
            rows = list((await conn.execute(query)).all())
        data, has_more = finish(rows, limit, reversed_)
        return Page([TraceRecord(**dict(r._mapping)) for r in data], has_more)

    async def usage_since(
        self, group_by: str, filters: dict[str, str], since: float, limit: int
    ) -> list[dict[str, Any]]:
        """The usage records since ``since`` with their group key, newest first, at most ``limit`` (for series)."""
        u = schema.usage_records
        keys = _USAGE_KEYS[group_by]
        query = select(u.c.created_at, *keys, u.c.input_tokens, u.c.output_tokens).where(
            u.c.created_at >= since, *(k.isnot(None) for k in keys)
        )
        for name, value in filters.items():
            query = query.where(u.c[name] == value)
        query = query.order_by(u.c.created_at.desc()).limit(limit)
        async with self.engines.read.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [dict(r._mapping) for r in rows]

    async def usage(self, group_by: str, filters: dict[str, str], limit: int) -> list[dict[str, Any]]:
        """Usage summed per group key, largest total first."""
        u = schema.usage_records
        keys = _USAGE_KEYS[group_by]
        total = func.sum(u.c.input_tokens) + func.sum(u.c.output_tokens)
        query = select(
            *keys,
            func.count().label("runs"),
            func.sum(u.c.requests).label("requests"),
            func.sum(u.c.input_tokens).label("input_tokens"),
            func.sum(u.c.output_tokens).label("output_tokens"),
        ).where(*(k.isnot(None) for k in keys))
        for name, value in filters.items():
            query = query.where(u.c[name] == value)
        query = query.group_by(*keys).order_by(total.desc(), *keys).limit(limit)
        async with self.engines.read.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [dict(r._mapping) for r in rows]
