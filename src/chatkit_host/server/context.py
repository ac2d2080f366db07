"""Everything a request handler needs, built once by ``create_app`` and passed explicitly."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chatkit_host.server.attachments.storage import FileStorage
from chatkit_host.server.credentials import AdminKeys
from chatkit_host.server.sessions.ratelimit import InProcessRateLimiter, RateLimiter
from chatkit_host.server.sessions.watch import SessionWatcher
from chatkit_host.server.settings import Settings
from chatkit_host.server.store import Store
from chatkit_host.server.turn import Responder
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.offline import OfflineResponder
from chatkit_host.server.workflows.registry import WorkflowRegistry
from chatkit_host.server.workflows.store import WorkflowStore
from chatkit_host.server.workflows.writer import RunWriter


@dataclass
class AppContext:
    settings: Settings
    store: Store
    admin_keys: AdminKeys
    #: Which workflows exist and their compiled versions (sessions resolve through it, turns load from it).
    registry: WorkflowRegistry
    files: FileStorage
    #: The parts of the workflow side other handlers use, held here so no caller reaches through the registry
    #: (``server/app.py`` fills them from ``open_workflows``). The model router: None only in a context built
    #: without a workflow side.
    models: ModelRouter | None = None
    #: Published workflows, versions, traces and usage (the admin API reads them).
    workflow_store: WorkflowStore | None = None
    #: Stores finished runs in the background; readers of traces flush it first.
    run_writer: RunWriter | None = None
    clock: Callable[[], float] = field(default=time.time)
    #: Produces the answers streamed by ``POST /chatkit``; the workflow engine replaces the offline one.
    responder: Responder = field(default_factory=OfflineResponder)
    #: Per-session request budget (in process, or shared through Redis when ``redis_url`` is set).
    limiter: RateLimiter = field(default_factory=InProcessRateLimiter)
    #: Ends streams in flight when their session is cancelled (one poller for all of them).
    watcher: SessionWatcher = field(default_factory=SessionWatcher)
