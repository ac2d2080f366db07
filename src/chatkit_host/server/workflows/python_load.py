"""Executing a Python definition as a fresh module: OpenAI clients bound to the server, errors that teach.

Two things stand between an Agent Builder export and publishing it unedited:

- Exports that use guardrails or file search build ``AsyncOpenAI()`` (or ``OpenAI()``) at import time. Built as
  written, that needs ``OPENAI_API_KEY`` on the server and talks to OpenAI, whatever provider the server is
  configured with. The module's code therefore sees an ``openai`` module whose two client classes, called
  without ``api_key`` or ``base_url``, build a client for the server's configured provider (and, offline, one
  that answers like the offline stand-in: ``offline_client.py``). A client built with explicit connection
  arguments is the real one, as written. Only the module's own imports see this (its ``__builtins__`` get an
  ``__import__`` of their own); the ``openai`` package itself and every other importer are untouched.
- An export can be invalid Python exactly as Agent Builder wrote it, or import a package the server lacks.
  :func:`load_error` turns the failure into a 400 that names the line and says what to change.
"""

from __future__ import annotations

import builtins
import re
import sys
import traceback
import types
from collections.abc import Mapping, Sequence
from typing import Any

import openai

from chatkit_host.server.errors import BadRequest
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.offline_client import offline_http_client

#: Connection arguments of the OpenAI clients: given any of them, the module chose its endpoint itself.
_CONNECTION_ARGUMENTS = ("api_key", "base_url", "organization", "project", "websocket_base_url", "http_client")

#: JSON Schema type names Agent Builder writes where Python needs a type (``item: string,null``).
_JSON_TYPES = {
    "string": "str",
    "number": "float",
    "integer": "int",
    "boolean": "bool",
    "object": "dict",
    "array": "list",
}
_JSON_ANNOTATION = re.compile(r"(\w+)\s*:\s*(string|number|integer|boolean|object|array)(\s*,\s*null)?\b")

#: Import names whose package has another name on PyPI (what Agent Builder's exports import).
_PACKAGES = {"guardrails": "openai-guardrails", "yaml": "pyyaml", "dotenv": "python-dotenv"}


def invalid(message: str) -> BadRequest:
    return BadRequest(message, param="source", code="invalid_workflow_definition")


def _bound_clients(router: ModelRouter) -> tuple[type[openai.AsyncOpenAI], type[openai.OpenAI]]:
    """``AsyncOpenAI``/``OpenAI`` subclasses that default to the server's provider (checked per construction,
    so they follow the router the module was compiled for)."""

    def defaults(kwargs: dict[str, Any], asynchronous: bool) -> dict[str, Any]:
        if any(kwargs.get(name) is not None for name in _CONNECTION_ARGUMENTS):
            return kwargs
        configured = router.client
        if configured is not None:
            bound = {**kwargs, "api_key": configured.api_key, "base_url": configured.base_url}
            if asynchronous:
                # The server's connection pool: closed with the server (a pool of its own would outlive it), and
                # no extra sockets per export. An export closing its client would close it too; none does.
                bound["http_client"] = configured._client
            return bound
        return {**kwargs, "api_key": "offline", "base_url": "http://offline.invalid/v1"} | {
            "http_client": offline_http_client(asynchronous)
        }

    class AsyncOpenAI(openai.AsyncOpenAI):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**defaults(kwargs, asynchronous=True))

    class OpenAI(openai.OpenAI):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**defaults(kwargs, asynchronous=False))

    return AsyncOpenAI, OpenAI


def _openai_view(router: ModelRouter) -> types.ModuleType:
    """The ``openai`` module as the definition's code sees it: the real one with the two clients bound."""
    view = types.ModuleType("openai", openai.__doc__)
    view.__dict__.update({k: v for k, v in vars(openai).items() if k not in ("__name__", "__doc__")})
    view.AsyncOpenAI, view.OpenAI = _bound_clients(router)  # type: ignore[attr-defined]
    return view


def _module_builtins(router: ModelRouter) -> dict[str, Any]:
    view = _openai_view(router)
    real_import = builtins.__import__

    def import_(
        name: str,
        globals: Mapping[str, object] | None = None,
        locals: Mapping[str, object] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> types.ModuleType:
        module = real_import(name, globals, locals, fromlist or (), level)
        # ``import openai``, ``from openai import AsyncOpenAI`` and ``import openai.types`` (which binds the
        # top-level name) all get the view; ``from openai.types import X`` gets the real submodule.
        if level == 0 and (name == "openai" or (name.startswith("openai.") and not fromlist)):
            return view
        return module

    namespace = dict(vars(builtins))
    namespace["__import__"] = import_
    return namespace


def execute(source: str, module_name: str, router: ModelRouter) -> types.ModuleType:
    """Run ``source`` as a new module registered as ``module_name``; a failure is a teaching 400."""
    module = types.ModuleType(module_name)
    module.__file__ = f"<workflow {module_name}>"
    module.__dict__["__builtins__"] = _module_builtins(router)
    try:
        code = compile(source, module.__file__, "exec")
    except SyntaxError as exc:
        raise load_error(exc, source, module.__file__) from exc
    # Registered so pydantic and dataclasses can resolve the module's own names while it executes.
    sys.modules[module_name] = module
    try:
        exec(code, module.__dict__)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise load_error(exc, source, module.__file__) from exc
    return module


def _failing_line(exc: BaseException, filename: str) -> int | None:
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        return exc.lineno
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return frames[-1].lineno if frames else None


def _json_type_fix(text: str) -> str | None:
    match = _JSON_ANNOTATION.search(text)
    if match is None:
        return None
    name, kind, nullable = match.groups()
    written = match.group(0)
    python = _JSON_TYPES[kind]
    fixed = f"{name}: {python} | None = None" if nullable else f"{name}: {python}"
    return (
        f"`{written}` is a JSON Schema type, not a Python one (Agent Builder writes a tool's parameter types "
        f"this way); write `{fixed}` instead."
    )


def _hint(exc: BaseException, text: str) -> str:
    fix = _json_type_fix(text)
    if fix is not None:
        return fix
    if isinstance(exc, ModuleNotFoundError) and exc.name:
        top = exc.name.split(".")[0]
        package = _PACKAGES.get(top, top)
        return (
            f"The module '{exc.name}' is not installed on this server: install it where the server runs "
            f"(`pip install {package}`), or remove the import and what uses it."
        )
    if isinstance(exc, ImportError) and exc.name:
        return f"'{exc.name}' is installed but does not provide what the line imports; check its version."
    if isinstance(exc, NameError) and exc.name:
        return f"'{exc.name}' is not defined at this point: define or import it before this line."
    if isinstance(exc, SyntaxError | IndentationError):
        return "Fix the syntax on this line (the export must be valid Python as a whole)."
    return "Fix the module so that it imports cleanly; publishing runs it once, as the server will."


def load_error(exc: BaseException, source: str, filename: str) -> BadRequest:
    """A 400 naming the failing line of the definition, what went wrong there and what to change."""
    line = _failing_line(exc, filename)
    lines = source.splitlines()
    if line is not None and isinstance(exc, NameError) and exc.name in {*_JSON_TYPES, "null"}:
        # Python reports a decorated function's failing annotation at its first decorator: point at the
        # parameter itself (the next lines, up to the end of the signature).
        line = next((n for n in range(line, min(line + 20, len(lines)) + 1) if _json_type_fix(lines[n - 1])), line)
    text = lines[line - 1].strip() if line is not None and 0 < line <= len(lines) else ""
    what = exc.msg if isinstance(exc, SyntaxError) else str(exc)
    where = f"line {line}" + (f" (`{text}`)" if text else "") if line is not None else "while loading"
    return invalid(f"The Python definition failed to load at {where}: {type(exc).__name__}: {what}. {_hint(exc, text)}")
