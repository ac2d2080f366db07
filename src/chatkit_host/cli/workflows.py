"""``chatkit-host workflows publish|list|show|set-latest|archive``."""

from __future__ import annotations

from pathlib import Path

import click

from chatkit_host.cli._common import Ctx, api_command, timestamp
from chatkit_host.types.workflows import DefinitionFormat, Workflow, WorkflowVersion

_FORMATS: dict[str, DefinitionFormat] = {".yaml": "yaml", ".yml": "yaml", ".py": "python"}


def _version_fields(version: WorkflowVersion) -> list[tuple[str, object]]:
    return [
        ("workflow", version.workflow_id),
        ("version", version.version + (" (latest)" if version.is_latest else "")),
        ("id", version.id),
        ("format", f"{version.format} ({version.kind})"),
        ("agents", ", ".join(version.agents)),
        ("models", ", ".join(version.models)),
        ("state variables", ", ".join(f"{k}: {v.type}" for k, v in version.state_variables.items())),
        ("created", timestamp(version.created_at)),
    ]


def _workflow_row(workflow: Workflow) -> tuple[object, ...]:
    flags = ", ".join(name for name, on in (("builtin", workflow.builtin), ("archived", workflow.archived)) if on)
    return (workflow.id, workflow.name or "", workflow.latest_version or "", workflow.version_count, flags)


@click.group()
def workflows() -> None:
    """Publish workflow definitions and inspect their versions."""


@workflows.command("publish")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--id", "workflow_id", default=None, help="Workflow id [default: the YAML id, else the file name].")
@click.option("--name", default=None, help="Display name [default: the YAML name].")
@click.option("--format", "format_", type=click.Choice(["yaml", "python"]), default=None, help="[default: by suffix]")
@click.option("--no-latest", is_flag=True, help="Publish without making it the latest version.")
@api_command
def publish(
    ctx: Ctx, path: Path, workflow_id: str | None, name: str | None, format_: DefinitionFormat | None, no_latest: bool
) -> None:
    """Publish PATH (YAML or Python) as the next version of a workflow."""
    definition_format = format_ or _FORMATS.get(path.suffix.lower())
    if definition_format is None:
        raise click.BadParameter("cannot tell the format from the suffix; pass --format", param_hint="PATH")
    source = path.read_text(encoding="utf-8")
    # The YAML's own ``id:`` and ``name:`` unless the options say otherwise, sent explicitly: a publish request
    # without an id gets a new random one (the REST contract), so leaving it to the server lost the YAML's id.
    declared_id, declared_name = _yaml_identity(source) if definition_format == "yaml" else (None, None)
    workflow_id = workflow_id or declared_id or path.stem
    name = name or declared_name
    version = ctx.client.chatkit.workflows.publish(
        source=source, format=definition_format, id=workflow_id, name=name, make_latest=not no_latest
    )
    if ctx.out.as_json:
        ctx.out.json(version)
    else:
        ctx.out.fields(_version_fields(version))


def _yaml_identity(source: str) -> tuple[str | None, str | None]:
    """The ``id:`` and ``name:`` a YAML definition declares, each None when absent."""
    import yaml

    try:
        loaded = yaml.safe_load(source)
    except yaml.YAMLError:
        return None, None  # the server reports the syntax error with its position
    if not isinstance(loaded, dict):
        return None, None

    def text(key: str) -> str | None:
        value = loaded.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    return text("id"), text("name")


@workflows.command("list")
@click.option("--include-archived", is_flag=True, help="Also list archived workflows.")
@api_command
def list_workflows(ctx: Ctx, include_archived: bool) -> None:
    """Every workflow, the built-in one first."""
    found = list(ctx.client.chatkit.workflows.list(limit=100, include_archived=include_archived or None))
    if ctx.out.as_json:
        ctx.out.json([w.model_dump(mode="json") for w in found])
        return
    ctx.out.table(
        ("id", "name", "latest", "versions", "flags"), (_workflow_row(w) for w in found), empty="no workflows"
    )


@workflows.command("show")
@click.argument("workflow_id")
@click.option("--version", default=None, help="Show this version with its source.")
@api_command
def show(ctx: Ctx, workflow_id: str, version: str | None) -> None:
    """A workflow and its versions, or one version with its source."""
    if version is not None:
        found = ctx.client.chatkit.workflows.versions.retrieve(workflow_id, version)
        if ctx.out.as_json:
            ctx.out.json(found)
            return
        ctx.out.fields(_version_fields(found))
        if found.source:
            ctx.out.text("")
            ctx.out.text(found.source.rstrip("\n"))
        return
    workflow = ctx.client.chatkit.workflows.retrieve(workflow_id)
    versions = list(ctx.client.chatkit.workflows.versions.list(workflow_id, limit=100))
    if ctx.out.as_json:
        body = workflow.model_dump(mode="json") | {"versions": [v.model_dump(mode="json") for v in versions]}
        ctx.out.json(body)
        return
    _show_workflow(ctx, workflow)
    ctx.out.text("")
    ctx.out.table(
        ("version", "latest", "format", "agents", "models", "created"),
        (
            (
                v.version,
                "*" if v.is_latest else "",
                v.format,
                ", ".join(v.agents),
                ", ".join(v.models),
                timestamp(v.created_at),
            )
            for v in versions
        ),
    )


def _show_workflow(ctx: Ctx, workflow: Workflow) -> None:
    if ctx.out.as_json:
        ctx.out.json(workflow)
        return
    ctx.out.fields(zip(("id", "name", "latest", "versions", "flags"), _workflow_row(workflow), strict=True))


@workflows.command("set-latest")
@click.argument("workflow_id")
@click.argument("version")
@api_command
def set_latest(ctx: Ctx, workflow_id: str, version: str) -> None:
    """Make VERSION the one new sessions run when they pin none (e.g. to roll back)."""
    _show_workflow(ctx, ctx.client.chatkit.workflows.set_latest(workflow_id, version=version))


@workflows.command("archive")
@click.argument("workflow_id")
@api_command
def archive(ctx: Ctx, workflow_id: str) -> None:
    """Archive a workflow: existing sessions keep running, new sessions are refused."""
    _show_workflow(ctx, ctx.client.chatkit.workflows.archive(workflow_id))
