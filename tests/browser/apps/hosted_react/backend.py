"""The test app's backend: it serves the bundle and creates ChatKit sessions with the official ``openai`` package.

Shaped like the starter app's ``/api/create-session`` route: the browser never sees the API key, only the
client secret of a session made with ``client.beta.chatkit.sessions.create``; pointing that client's
``base_url`` at chatkit-host is the backend's only change. The tests read what it did (``issued``) and tune
the next sessions (``user``, ``expires_seconds``).
"""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from openai import OpenAI

APP_DIR = Path(__file__).resolve().parent
#: The placeholder in index.html that the backend replaces with chatkit-host's origin.
ORIGIN_PLACEHOLDER = "CHATKIT_HOST_ORIGIN"


def build(node: str, out_dir: Path) -> Path:
    """Bundles the app (from the lockfile's node_modules) into ``out_dir``; returns it."""
    subprocess.run([node, str(APP_DIR / "build.mjs"), str(out_dir)], check=True, capture_output=True, timeout=120)
    return out_dir


@dataclass
class Backend:
    chatkit_host: str
    api_key: str
    dist: Path
    workflow_id: str = "default"
    user: str = "starter-user"
    expires_seconds: int = 600
    #: ``chatkit_configuration`` of the sessions it creates (file uploads, history), or None for the defaults.
    chatkit_configuration: dict[str, Any] | None = None
    #: More files to serve, path -> (content type, body).
    extra_files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    #: Headers added to every answer (a Content-Security-Policy, in the strict-CSP test).
    headers: dict[str, str] = field(default_factory=dict)
    #: Each session it created: (client_secret, session id, the ``current`` secret the page sent).
    issued: list[tuple[str, str, str | None]] = field(default_factory=list)
    origin: str = ""

    def create_session(self, current: str | None) -> str:
        client = OpenAI(api_key=self.api_key, base_url=f"{self.chatkit_host}/v1", max_retries=0)
        session = client.beta.chatkit.sessions.create(
            user=self.user,
            workflow={"id": self.workflow_id},
            expires_after={"anchor": "created_at", "seconds": self.expires_seconds},
            **({"chatkit_configuration": self.chatkit_configuration} if self.chatkit_configuration else {}),
        )
        self.issued.append((session.client_secret, session.id, current))
        return session.client_secret

    def files(self) -> dict[str, tuple[str, bytes]]:
        html = (self.dist / "index.html").read_text().replace(ORIGIN_PLACEHOLDER, self.chatkit_host.rstrip("/"))
        return {
            "/": ("text/html; charset=utf-8", html.encode()),
            "/app.js": ("text/javascript; charset=utf-8", (self.dist / "app.js").read_bytes()),
            **self.extra_files,
        }


@contextmanager
def serve(backend: Backend) -> Iterator[Backend]:
    """Runs ``backend`` on a loopback port of its own (another origin than chatkit-host)."""
    files = backend.files()

    class Handler(BaseHTTPRequestHandler):
        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in backend.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: Any) -> None:
            self._send(status, "application/json", json.dumps(payload).encode())

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/api/config":
                self._json(200, {"chatkit_api_url": f"{backend.chatkit_host}/chatkit", "domain_key": "domain_pk_test"})
                return
            found = files.get(path)
            if found is None:
                self._send(404, "text/plain", b"not found")
                return
            self._send(200, *found)

        def do_POST(self) -> None:
            if self.path != "/api/create-session":
                self._send(404, "text/plain", b"not found")
                return
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            try:
                secret = backend.create_session(body.get("current"))
            except Exception as error:  # the page shows what the backend said
                self._json(502, {"error": str(error)})
                return
            self._json(200, {"client_secret": secret})

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    backend.origin = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield backend
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)
