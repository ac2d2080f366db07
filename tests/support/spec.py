"""The API contract, ``../shared/spec/chatkit-openapi.yaml``, as JSON Schema validators for response bodies."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SPEC_PATH = Path(__file__).resolve().parents[2].parent / "shared" / "spec" / "chatkit-openapi.yaml"
SPEC_URI = "urn:chatkit-openapi"


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return spec


def require_spec() -> None:
    # The contract lives beside the repository (CI lays ../shared next to its clone); a clone on its own has no
    # copy, and the project does not vendor one, so the conformance tests skip visibly there rather than fail.
    if not SPEC_PATH.exists():
        pytest.skip(f"the API contract is not at ../shared/spec/{SPEC_PATH.name} beside this repository")


def validator(schema_name: str) -> Draft202012Validator:
    """A validator for ``components.schemas.<schema_name>`` with every ``$ref`` of the spec resolvable."""
    require_spec()
    spec = _spec()
    # The spec is OpenAPI 3.1, whose schemas are JSON Schema 2020-12; the document itself is just a container.
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, Resource.opaque(spec))
    return Draft202012Validator({"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}, registry=registry)


def assert_matches(schema_name: str, body: Any) -> None:
    errors = sorted(validator(schema_name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def spec_paths() -> dict[str, set[str]]:
    require_spec()
    return {
        path: {m for m in ops if m in ("get", "post", "delete", "put", "patch")}
        for path, ops in _spec()["paths"].items()
    }
