"""Response bodies against the API contract: the official ``openai`` types always, the OpenAPI spec when present.

The contract, ``../shared/spec/chatkit-openapi.yaml``, lives beside the repository (the project does not vendor
it), so a lone clone has no copy: there ``assert_conforms`` checks the ``openai`` package's types alone
(``tests/support/openai_shapes.py``) instead of skipping, and with the spec present it checks both.
"""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

import yaml
from jsonschema import Draft202012Validator
from pydantic import BaseModel
from referencing import Registry, Resource

from tests.support.openai_shapes import assert_openai_shape
from tests.support.reference import SHARED_DIR

SPEC_PATH = SHARED_DIR / "spec" / "chatkit-openapi.yaml"
SPEC_URI = "urn:chatkit-openapi"
M = TypeVar("M", bound=BaseModel)


def spec_present() -> bool:
    return SPEC_PATH.is_file()


@cache
def _spec() -> dict[str, Any]:
    spec: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return spec


def validator(schema_name: str) -> Draft202012Validator:
    """A validator for ``components.schemas.<schema_name>`` with every ``$ref`` of the spec resolvable."""
    spec = _spec()
    # The spec is OpenAPI 3.1, whose schemas are JSON Schema 2020-12; the document itself is just a container.
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, Resource.opaque(spec))
    return Draft202012Validator({"$ref": f"{SPEC_URI}#/components/schemas/{schema_name}"}, registry=registry)


def assert_matches(schema_name: str, body: Any) -> None:
    """``body`` validates against the spec's ``schema_name`` (the spec must be present)."""
    errors = sorted(validator(schema_name).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


def assert_conforms(model: type[M], schema_name: str, body: Any) -> M:
    """``body`` is a strict ``model`` of the ``openai`` package and, when the spec is here, a ``schema_name``."""
    parsed = assert_openai_shape(model, body)
    if spec_present():
        assert_matches(schema_name, body)
    return parsed


def spec_paths() -> dict[str, set[str]]:
    """The spec's paths and their methods (the spec must be present)."""
    return {
        path: {m for m in ops if m in ("get", "post", "delete", "put", "patch")}
        for path, ops in _spec()["paths"].items()
    }
