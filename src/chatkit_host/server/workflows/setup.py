"""Building the workflow side of a server: models, registry, engine and trace processor, and closing them."""

from __future__ import annotations

import time
from dataclasses import dataclass

from chatkit_host.server.attachments.storage import make_file_storage
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import Store
from chatkit_host.server.turn import Responder
from chatkit_host.server.workflows.attachment_input import AttachmentInputs
from chatkit_host.server.workflows.engine import WorkflowEngine
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.otlp import OtlpExporter
from chatkit_host.server.workflows.registry import WorkflowRegistry
from chatkit_host.server.workflows.store import WorkflowStore
from chatkit_host.server.workflows.tracing import install_trace_processor
from chatkit_host.server.workflows.writer import RunWriter


@dataclass
class Workflows:
    registry: WorkflowRegistry
    #: The workflow engine: the ``Responder`` the runtime streams turns from (not a database engine).
    engine: WorkflowEngine
    models: ModelRouter
    store: WorkflowStore
    writer: RunWriter

    async def aclose(self) -> None:
        await self.writer.aclose()
        await self.registry.aclose()
        await self.models.aclose()


async def open_workflows(settings: Settings, store: Store, offline: Responder | None = None) -> Workflows:
    """Called from the app's lifespan: registers ``settings.workflow_paths`` before serving."""
    install_trace_processor()
    workflow_store = WorkflowStore(store.db)
    models = ModelRouter(settings)
    registry = WorkflowRegistry(workflow_store, models)
    await registry.register_paths(settings.workflow_paths, time.time())
    writer = RunWriter(workflow_store, OtlpExporter(settings.otlp_endpoint) if settings.otlp_endpoint else None)
    # Its own handle on the attachment bytes (the storages hold no state beyond where the bytes are).
    inputs = AttachmentInputs(store, make_file_storage(settings, store))
    engine = WorkflowEngine(registry, writer, offline, inputs)
    return Workflows(registry=registry, engine=engine, models=models, store=workflow_store, writer=writer)
