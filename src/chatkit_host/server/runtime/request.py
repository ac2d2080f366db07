"""One authenticated runtime request: who is calling and what the handlers may use.

Named ``RuntimeRequest`` (it was ``Call``) so it is not mistaken for the SDK's operation type
(``chatkit_host/client/_base.py``); handlers take it as ``req``, the parsed ChatKit body is ``parsed``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chatkit_host.server.context import AppContext
from chatkit_host.server.store import SessionRecord


@dataclass
class RuntimeRequest:
    context: AppContext
    session: SessionRecord
    #: Where this server is reached, for the upload and preview URLs it hands out (no trailing slash).
    base_url: str
    #: ``Accept-Language`` of the request.
    locale: str | None = None
    #: The request's ``metadata`` object, handed to the responder untouched.
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def now(self) -> float:
        return self.context.clock()
