"""Declared state variables: checking a session's values, merging defaults, and templating instructions."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, create_model

from chatkit_host.server.errors import BadRequest
from chatkit_host.types.workflows import StateVariable

_PY_TYPES: dict[str, type] = {"string": str, "number": float, "integer": int, "boolean": bool}
_TEMPLATE = re.compile(r"\{\{\s*state\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _fits(kind: str, value: Any) -> bool:
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


def check_declaration(name: str, spec: StateVariable) -> None:
    """A declared default must have the declared type (checked when a definition is published)."""
    if spec.default is not None and not _fits(spec.type, spec.default):
        raise BadRequest(
            f"State variable '{name}' is declared as {spec.type} but its default {spec.default!r} is not.",
            param="source",
            code="invalid_workflow_definition",
        )


def validate_state(declared: Mapping[str, StateVariable], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """The session's values checked against the declaration (400 naming the variable); no defaults merged."""
    values = dict(given or {})
    for name, value in values.items():
        spec = declared.get(name)
        param = f"workflow.state_variables.{name}"
        if spec is None:
            known = ", ".join(sorted(declared)) or "none"
            raise BadRequest(
                f"Unknown state variable '{name}'; this workflow declares: {known}.",
                param=param,
                code="unknown_state_variable",
            )
        if not _fits(spec.type, value):
            raise BadRequest(
                f"State variable '{name}' must be of type {spec.type}, got {type(value).__name__}.",
                param=param,
                code="invalid_state_variable_type",
            )
    return values


def merge_defaults(declared: Mapping[str, StateVariable], given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Declared defaults overlaid with the session's values (which may also hold undeclared legacy keys)."""
    merged = {name: spec.default for name, spec in declared.items()}
    merged.update(given or {})
    return merged


def state_model(declared: Mapping[str, StateVariable]) -> type[BaseModel]:
    """A frozen pydantic model of the declared variables: the typed object tools read as ``ctx.context.state``."""
    fields: dict[str, Any] = {name: (_PY_TYPES[spec.type] | None, spec.default) for name, spec in declared.items()}
    model: type[BaseModel] = create_model("WorkflowState", __config__=ConfigDict(frozen=True, extra="allow"), **fields)
    return model


def render(template: str, state: Mapping[str, Any]) -> str:
    """Replace ``{{ state.name }}`` with the value; unknown names render empty rather than failing a turn."""

    def value(match: re.Match[str]) -> str:
        found = state.get(match.group(1))
        if found is None:
            return ""
        if isinstance(found, bool):
            return "true" if found else "false"
        return str(found)

    return _TEMPLATE.sub(value, template)


def has_template(text: str) -> bool:
    return _TEMPLATE.search(text) is not None
