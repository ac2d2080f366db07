"""Writes runs' traces and usage in the background, batching the runs that finish close together.

A turn should not wait for its own bookkeeping: the engine hands the records over and returns, and one
writer task stores whatever has accumulated in a single transaction. Readers of traces and usage in this
process call :meth:`RunWriter.flush` first, so the admin API always sees every run that has finished.
"""

from __future__ import annotations

import asyncio
import logging

from chatkit_host.server.workflows.otlp import OtlpExporter
from chatkit_host.server.workflows.records import SpanRecord, TraceRecord, UsageRecord
from chatkit_host.server.workflows.store import WorkflowStore

logger = logging.getLogger(__name__)

Run = tuple[TraceRecord | None, list[SpanRecord], UsageRecord]


class RunWriter:
    def __init__(self, store: WorkflowStore, exporter: OtlpExporter | None = None) -> None:
        self.store = store
        self.exporter = exporter
        self._pending: list[Run] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    def submit(self, trace: TraceRecord | None, spans: list[SpanRecord], usage: UsageRecord) -> None:
        if self._closed:
            raise RuntimeError("the run writer is closed")
        self._pending.append((trace, spans, usage))
        self._idle.clear()
        self._wake.set()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="chatkit-host run writer")

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            batch, self._pending = self._pending, []
            if batch:
                try:
                    await self.store.save_runs(batch)
                except Exception:  # losing bookkeeping must not take the writer down for later runs
                    logger.exception("could not store %d run(s) of traces and usage", len(batch))
                if self.exporter is not None:
                    await self.exporter.export([(t, spans) for t, spans, _ in batch if t is not None])
            if not self._pending:
                self._idle.set()
            if self._closed and not self._pending:
                return

    async def flush(self) -> None:
        """Wait until every run submitted so far is stored."""
        await self._idle.wait()

    async def aclose(self) -> None:
        self._closed = True
        if self._task is not None:
            self._wake.set()
            await self._task
        if self.exporter is not None:
            await self.exporter.aclose()
