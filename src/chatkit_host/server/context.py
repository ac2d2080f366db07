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
from chatkit_host.server.workflows.offline import OfflineResponder
from chatkit_host.server.workflows.registry import WorkflowRegistry


@dataclass
class AppContext:
    settings: Settings
    store: Store
    admin_keys: AdminKeys
    workflows: WorkflowRegistry
    files: FileStorage
    clock: Callable[[], float] = field(default=time.time)
    #: Produces the answers streamed by ``POST /chatkit``; the workflow engine replaces the offline one.
    responder: Responder = field(default_factory=OfflineResponder)
    #: Per-session request budget (in process, or shared through Redis when ``redis_url`` is set).
    limiter: RateLimiter = field(default_factory=InProcessRateLimiter)
    #: Ends streams in flight when their session is cancelled (one poller for all of them).
    watcher: SessionWatcher = field(default_factory=SessionWatcher)
