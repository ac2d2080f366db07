"""What ``serve`` prints before it starts: the admin key and how to use it, the URLs, and which model answers.

F1: the newcomer got only a Python ``OpenAI(...)`` line and nothing to paste into a shell; now the banner says
that the CLI and SDK find the key by themselves in this directory, and gives the ``export`` line for elsewhere.
F9: one line names the model that answers (or says it is the offline stand-in and how to configure one).
"""

from __future__ import annotations

import errno
import shlex
import socket
from pathlib import Path

from chatkit_host.server.credentials import LoadedKeys
from chatkit_host.server.settings import DEFAULT_DATA_DIR, Settings


def client_base_url(host: str, port: int) -> str:
    """The URL a client on this machine uses: a wildcard bind is reached on loopback."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def key_lines(keys: LoadedKeys, base_url: str, default_url: str) -> list[str]:
    """How to use the admin key: shown in full once, on the start that created it; its file's path after that."""
    # CHATKIT_HOST_BASE_URL only when the clients' default would not reach this server.
    url_export = f" CHATKIT_HOST_BASE_URL={base_url}" if base_url != default_url else ""
    found_here = "when run in this directory"
    if keys.key_file is not None and keys.key_file.parent != DEFAULT_DATA_DIR:
        found_here += f" with CHATKIT_HOST_DATA_DIR={shlex.quote(str(keys.key_file.parent))}"
    if keys.created_key:
        key = keys.created_key
        return [
            f"Created an admin API key in {keys.key_file} (shown once):",
            "",
            f"    {key}",
            "",
            f"The chatkit-host CLI and Python SDK find it there {found_here}. Elsewhere, in a shell:",
            "",
            f"    export CHATKIT_HOST_API_KEY={key}{url_export}",
            "",
            "With the official SDK:",
            "",
            f'    OpenAI(base_url="{base_url}/v1", api_key="{key}")',
            "",
        ]
    if keys.key_file:
        path = shlex.quote(str(Path(keys.key_file).resolve()))
        return [
            f"Admin API key: in {keys.key_file} (the CLI and SDK find it {found_here}; "
            f"elsewhere: export CHATKIT_HOST_API_KEY=$(cat {path}){url_export})"
        ]
    return ["Admin API key: from CHATKIT_HOST_API_KEY"]


def model_line(settings: Settings) -> str:
    """Which model answers the built-in workflow and agents that name none, mirroring ``ModelRouter``."""
    from chatkit_host.server.workflows.models import DEFAULT_REMOTE_MODEL
    from chatkit_host.server.workflows.offline import OFFLINE_MODEL

    configured = bool(settings.openai_api_key or settings.openai_base_url)
    if not configured:
        return "Model: offline stand-in (echoes; set OPENAI_API_KEY, or CHATKIT_HOST_OPENAI_BASE_URL for Ollama/vLLM)"
    model = settings.default_model or DEFAULT_REMOTE_MODEL
    if model == OFFLINE_MODEL:
        return f"Model: offline stand-in (CHATKIT_HOST_DEFAULT_MODEL={OFFLINE_MODEL})"
    api = settings.openai_api or ("chat_completions" if settings.openai_base_url else "responses")
    where = settings.openai_base_url or "OpenAI"
    return f"Model: {model} via {where} ({api.replace('_', ' ')} API; workflows may name others)"


def port_in_use(host: str, port: int) -> bool:
    """Whether binding would fail because something listens there (checked before the banner, F26).

    SO_REUSEADDR, as uvicorn binds, so a port with connections in TIME_WAIT still counts as free. Another
    process can still take the port between this check and uvicorn's bind; then uvicorn's own error stands.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return exc.errno == errno.EADDRINUSE
    return False
