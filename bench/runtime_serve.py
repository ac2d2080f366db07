"""One runtime benchmark server process: chatkit-host or the openai-chatkit baseline, same uvicorn settings.

    python bench/runtime_serve.py ours --port 8001 --data-dir /tmp/x --api-key ckadm_... [--database URL]
    python bench/runtime_serve.py baseline --port 8002

Both answer with the offline responder's words, instantly (no delay between deltas).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _serve import UVICORN_OPTIONS
from baseline_chatkit_server import create_baseline_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("kind", choices=["ours", "baseline"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database", help="database URL (ours only; default SQLite in --data-dir)")
    parser.add_argument("--data-dir", type=Path, help="data directory (ours only)")
    parser.add_argument("--api-key", help="admin API key (ours only)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    app: Any
    if args.kind == "baseline":
        app = create_baseline_app()
    else:
        from chatkit_host.server.app import create_app
        from chatkit_host.server.settings import Settings
        from chatkit_host.server.workflows.offline import OfflineResponder

        settings = Settings(data_dir=args.data_dir, database_url=args.database, api_keys=(args.api_key,))
        app = create_app(settings, responder=OfflineResponder())
    # Waves of 100 streams leave early finishers idle for seconds; a 5 s keep-alive would race the next wave.
    uvicorn.run(app, port=args.port, **(UVICORN_OPTIONS | {"timeout_keep_alive": 60}))


if __name__ == "__main__":
    main()
