"""Reads and writes of workflows, versions, traces and usage, through the same database door as the main store."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Connection, Row, Select, bindparam, func, insert, select, update

from chatkit_host.server import ids
from chatkit_host.server.store import schema
from chatkit_host.server.store.database import Database
from chatkit_host.server.store.errors import StoreConflict
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


_WORKFLOW_COLUMNS = tuple(c.name for c in schema.workflows.columns)
_VERSION_COLUMNS = tuple(c.name for c in schema.workflow_versions.columns)


def _workflow_by_id() -> Select[Any]:
    return select(schema.workflows).where(schema.workflows.c.id == bindparam("workflow_id"))


def _version_by_number() -> Select[Any]:
    v = schema.workflow_versions
    return select(v).where(v.c.workflow_id == bindparam("workflow_id"), v.c.version == bindparam("version"))


def _version(row: Row[Any]) -> VersionRecord:
    values = dict(row._mapping)
    values["summary"] = orjson.loads(values["summary"])
    return VersionRecord(**values)


def _span(row: Row[Any]) -> SpanRecord:
    values = dict(row._mapping)
    values["data"] = orjson.loads(values["data"])
    return SpanRecord(**values)


class WorkflowStore:
    """Workflow and trace data; shares ``Store.db`` so one door (one pool, one SQLite writer) serves the server."""

    def __init__(self, db: Database) -> None:
        self.db = db

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
        """Add the next version of ``workflow_id`` (creating the workflow on its first version).

        :class:`StoreConflict` when another version was published at the same time (the edge answers 409).
        """
        w = schema.workflows

        def add_version(conn: Connection) -> tuple[WorkflowRecord, VersionRecord]:
            row = conn.execute(select(w).where(w.c.id == workflow_id).with_for_update()).first()
            if row is None:
                number = 1
                conn.execute(
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
                result = conn.execute(
                    update(w).where(w.c.id == workflow_id, w.c.version_count == current.version_count).values(values)
                )
                if result.rowcount != 1:
                    raise StoreConflict(f"workflow {workflow_id!r} got another version meanwhile")
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
            stored = version.__dict__ | {"summary": orjson.dumps(summary).decode()}
            conn.execute(insert(schema.workflow_versions).values(**stored))
            return _workflow(conn.execute(select(w).where(w.c.id == workflow_id)).one()), version

        return await self.db.transaction(add_version)

    async def get_workflow(self, workflow_id: str) -> WorkflowRecord | None:
        # Every turn of an unpinned session reads its workflow's latest version number: the hot read path (on
        # SQLite that is ~20 µs on the loop instead of a SQLAlchemy round trip through aiosqlite's thread, which was
        # a quarter of the server's CPU per 5-token turn in bench/real_path.py).
        rows = await self.db.fetch("workflow by id", _workflow_by_id, {"workflow_id": workflow_id})
        return WorkflowRecord(**dict(zip(_WORKFLOW_COLUMNS, rows[0], strict=True))) if rows else None

    async def list_workflows(
        self, *, after: str | None, before: str | None, limit: int, order: Order, include_archived: bool
    ) -> Page[WorkflowRecord]:
        w = schema.workflows
        query = select(w)
        if not include_archived:
            query = query.where(w.c.archived_at.is_(None))
        query, reversed_ = keyset(query, w.c.id, order=order, after=after, before=before, limit=limit)
        data, has_more = finish(list(await self.db.read(query)), limit, reversed_)
        return Page([_workflow(r) for r in data], has_more)

    async def get_version(self, workflow_id: str, version: int) -> VersionRecord | None:
        values = {"workflow_id": workflow_id, "version": version}
        rows = await self.db.fetch("workflow version", _version_by_number, values)
        if not rows:
            return None
        found = dict(zip(_VERSION_COLUMNS, rows[0], strict=True))
        found["summary"] = orjson.loads(found["summary"])
        return VersionRecord(**found)

    async def latest_version_with_sha(self, workflow_id: str, sha256: str) -> VersionRecord | None:
        v = schema.workflow_versions
        query = select(v).where(v.c.workflow_id == workflow_id, v.c.sha256 == sha256).order_by(v.c.id.desc()).limit(1)
        rows = await self.db.read(query)
        return _version(rows[0]) if rows else None

    async def list_versions(
        self, workflow_id: str, *, after: str | None, before: str | None, limit: int, order: Order
    ) -> Page[VersionRecord]:
        v = schema.workflow_versions
        query = select(v).where(v.c.workflow_id == workflow_id)
        query, reversed_ = keyset(query, v.c.id, order=order, after=after, before=before, limit=limit)
        data, has_more = finish(list(await self.db.read(query)), limit, reversed_)
        return Page([_version(r) for r in data], has_more)

    async def update_workflow(self, workflow_id: str, now: float, **values: Any) -> WorkflowRecord | None:
        w = schema.workflows

        def change(conn: Connection) -> Row[Any] | None:
            conn.execute(update(w).where(w.c.id == workflow_id).values(updated_at=now, **values))
            return conn.execute(select(w).where(w.c.id == workflow_id)).first()

        row = await self.db.transaction(change)
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
        usage = [usage.__dict__ for _, _, usage in runs]

        def insert_all(conn: Connection) -> None:
            if traces:
                conn.execute(insert(schema.traces), traces)
            if spans:
                conn.execute(insert(schema.trace_spans), spans)
            conn.execute(insert(schema.usage_records), usage)

        await self.db.transaction(insert_all)

    async def get_trace(self, trace_id: str) -> tuple[TraceRecord, list[SpanRecord]] | None:
        t, s = schema.traces, schema.trace_spans
        rows = await self.db.read(select(t).where(t.c.id == trace_id))
        if not rows:
            return None
        # A trace and its spans are written in one transaction, so a trace found has all its spans.
        spans = await self.db.read(select(s).where(s.c.trace_id == trace_id).order_by(s.c.id))
        return TraceRecord(**dict(rows[0]._mapping)), [_span(r) for r in spans]

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
        data, has_more = finish(list(await self.db.read(query)), limit, reversed_)
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
        return [dict(r._mapping) for r in await self.db.read(query)]

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
        return [dict(r._mapping) for r in await self.db.read(query)]
