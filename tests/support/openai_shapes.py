"""Response bodies checked strictly against the official ``openai`` package's ChatKit types.

The ``openai`` SDK is the client this server must satisfy (``client.beta.chatkit`` unchanged), and it ships
with every install, so this check runs everywhere; the OpenAPI contract in ``../shared`` is an extra check
when present (``tests/support/spec.py``). The SDK's models accept unknown keys and coerce loosely (they must
not break on new server fields), so parsing alone would pass a misspelled key; ``assert_openai_shape``
therefore parses in pydantic's strict mode (no coercion: a string is not an int) and then fails on any key
a model did not declare, at any depth, and on any value that does not dump back to what was sent.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import openai
from openai.types.beta.chatkit import ChatKitThread, ChatKitThreadItemList
from pydantic import BaseModel, create_model

M = TypeVar("M", bound=BaseModel)


def _envelope_fields() -> dict[str, Any]:
    return {n: (f.annotation, f) for n, f in ChatKitThreadItemList.model_fields.items() if n != "data"}


#: The SDK has no model for a page of threads (it reads them as ``SyncConversationCursorPage[ChatKitThread]``,
#: which is deliberately loose); this is its item-list envelope (``object``, ``first_id``, ``last_id``,
#: ``has_more``) around ``ChatKitThread``s, built from the SDK's own field definitions.
ChatKitThreadList: type[BaseModel] = create_model(
    "ChatKitThreadList", __base__=openai.BaseModel, data=(list[ChatKitThread], ...), **_envelope_fields()
)


def undeclared_keys(value: Any, path: str = "$") -> Iterator[str]:
    """Every key of a parsed body that its model did not declare, as a JSON path."""
    if isinstance(value, BaseModel):
        for key in value.model_extra or {}:
            yield f"{path}.{key}"
        for name in type(value).model_fields:
            yield from undeclared_keys(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list | tuple):
        for n, item in enumerate(value):
            yield from undeclared_keys(item, f"{path}[{n}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from undeclared_keys(item, f"{path}.{key}")


def assert_openai_shape(model: type[M], body: Any) -> M:
    """``body`` parsed as ``model``: strictly typed, every required field there, no key the model lacks."""
    parsed = model.model_validate(body, strict=True)  # raises on a missing field or a wrong type
    extra = list(undeclared_keys(parsed))
    assert not extra, f"keys {model.__name__} does not declare: {extra}"
    dumped = parsed.model_dump(mode="json", exclude_unset=True, by_alias=True)
    assert dumped == body, f"{model.__name__} does not read the body back as sent:\n{dumped}\n!=\n{body}"
    return parsed


_METHODS = {"_get": "get", "_get_api_list": "get", "_post": "post", "_delete": "delete", "_put": "put"}


@cache
def sdk_paths() -> dict[str, set[str]]:
    """The ChatKit REST paths and methods the installed ``openai`` SDK calls, read from its resource modules.

    Each call is ``self._get("/chatkit/...")`` or ``self._post(path_template("/chatkit/.../{id}", ...))``;
    the sync and async resources call the same ones.
    """
    found: dict[str, set[str]] = {}
    for module in sorted((Path(openai.__file__).parent / "resources" / "beta" / "chatkit").glob("*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
                continue
            method = _METHODS.get(node.func.attr)
            path = node.args[0]
            if isinstance(path, ast.Call) and getattr(path.func, "id", None) == "path_template" and path.args:
                path = path.args[0]
            if method and isinstance(path, ast.Constant) and str(path.value).startswith("/chatkit"):
                found.setdefault(str(path.value), set()).add(method)
    return found
