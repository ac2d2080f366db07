"""A workflow's source, in either format, compiled: the one place that knows both formats.

It sits one floor above ``definition.py`` (the Python format and what both formats share) and
``yaml_definition.py`` (the YAML format, built on ``definition.py``), so neither imports the other lazily.
"""

from __future__ import annotations

from pathlib import Path

from chatkit_host.server.workflows.definition import CompiledWorkflow, compile_python
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.python_load import invalid
from chatkit_host.server.workflows.yaml_definition import compile_yaml


def compile_source(fmt: str, source: str, module_name: str, router: ModelRouter) -> CompiledWorkflow:
    if fmt == "python":
        return compile_python(source, module_name, router)
    if fmt == "yaml":
        return compile_yaml(source, router)
    raise invalid(f"Unknown definition format '{fmt}'; use 'yaml' or 'python'.")


def format_of(path: Path) -> str:
    """The format of a workflow file, from its name."""
    if path.suffix in (".yaml", ".yml"):
        return "yaml"
    if path.suffix == ".py":
        return "python"
    raise ValueError(f"{path}: a workflow file ends in .yaml, .yml or .py")
