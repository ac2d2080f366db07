"""Everything a request handler needs, built once by ``create_app`` and passed explicitly."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from chatkit_host.files import FileStorage
from chatkit_host.secrets import AdminKeys
from chatkit_host.settings import Settings
from chatkit_host.store import Store
from chatkit_host.workflows.registry import WorkflowRegistry


@dataclass
class AppContext:
    settings: Settings
    store: Store
    admin_keys: AdminKeys
    workflows: WorkflowRegistry
    files: FileStorage
    clock: Callable[[], float] = field(default=time.time)
