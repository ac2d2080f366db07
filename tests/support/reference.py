"""Reference material that may sit beside the repository (``../shared``: the API contract, examples).

A clone on its own has none of it, and every test still runs there: what ``../shared`` adds is an extra check
(the OpenAPI contract) or an extra case (the shared export example), never the only one.
``CHATKIT_HOST_TEST_SHARED`` points elsewhere (a missing directory shows what a lone clone runs).
"""

from __future__ import annotations

import os
from pathlib import Path

SHARED_DIR = Path(os.environ.get("CHATKIT_HOST_TEST_SHARED") or Path(__file__).resolve().parents[2].parent / "shared")
