"""``/v1/chatkit/workflows``: publishing, versions, latest, archive, and what ``sessions.create`` checks."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from chatkit_host.server.store import Store
from chatkit_host.server.workflows.models import ModelRouter
from chatkit_host.server.workflows.registry import WorkflowRegistry
from chatkit_host.server.workflows.store import WorkflowStore
from chatkit_host.types.common import ListPage
from chatkit_host.types.workflows import Workflow, WorkflowVersion
from tests.support.servers import MakeServer, RunningServer, serving

YAML_V1 = """
name: Greeter
state_variables:
  tier: {type: string, default: free}
  seats: {type: integer, default: 1}
  vip: {type: boolean}
agents:
  - name: greeter
    instructions: "Greet the {{ state.tier }} customer."
"""
YAML_V2 = YAML_V1.replace("Greet the", "Warmly greet the")


def publish(server: RunningServer, source: str = YAML_V1, **body: Any) -> dict[str, Any]:
    response = server.admin().post("/v1/chatkit/workflows", json={"format": "yaml", "source": source, **body})
    assert response.status_code == 200, response.text
    version: dict[str, Any] = response.json()
    WorkflowVersion.model_validate(version)
    return version


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return error


def test_publish_creates_numbered_immutable_versions(server: RunningServer) -> None:
    admin = server.admin()
    first = publish(server, id="greeter")
    assert (first["workflow_id"], first["version"], first["is_latest"]) == ("greeter", "1", True)
    assert first["state_variables"]["tier"] == {"type": "string", "default": "free"}
    assert first["agents"] == ["greeter"] and first["source"] is None
    second = admin.post("/v1/chatkit/workflows/greeter/versions", json={"format": "yaml", "source": YAML_V2}).json()
    assert second["version"] == "2" and second["id"] > first["id"]

    workflow = Workflow.model_validate(admin.get("/v1/chatkit/workflows/greeter").json())
    assert (workflow.latest_version, workflow.version_count, workflow.name) == ("2", 2, None)
    versions = ListPage[WorkflowVersion].model_validate(
        admin.get("/v1/chatkit/workflows/greeter/versions", params={"order": "asc"}).json()
    )
    assert [v.version for v in versions.data] == ["1", "2"]
    assert [v.is_latest for v in versions.data] == [False, True]
    one = admin.get("/v1/chatkit/workflows/greeter/versions/1").json()
    assert one["source"] == YAML_V1  # the published source, unchanged by the later version

    listed = admin.get("/v1/chatkit/workflows").json()
    assert [w["id"] for w in listed["data"]] == ["default", "greeter"]
    assert listed["data"][0]["builtin"] is True


def test_generated_ids_latest_switch_and_archive(server: RunningServer) -> None:
    admin = server.admin()
    created = publish(server)
    workflow_id = created["workflow_id"]
    assert workflow_id.startswith("wf_")
    publish(server, id=workflow_id, source=YAML_V2, make_latest=False)
    assert admin.get(f"/v1/chatkit/workflows/{workflow_id}").json()["latest_version"] == "1"
    switched = admin.post(f"/v1/chatkit/workflows/{workflow_id}/latest", json={"version": "2"}).json()
    assert switched["latest_version"] == "2"
    missing = error_of(admin.post(f"/v1/chatkit/workflows/{workflow_id}/latest", json={"version": "9"}), 404)
    assert missing["param"] == "version"

    archived = admin.post(f"/v1/chatkit/workflows/{workflow_id}/archive").json()
    assert archived["archived"] is True
    assert [w["id"] for w in admin.get("/v1/chatkit/workflows").json()["data"]] == ["default"]
    listed = admin.get("/v1/chatkit/workflows", params={"include_archived": "true"}).json()
    assert workflow_id in [w["id"] for w in listed["data"]]
    refused = admin.post("/v1/chatkit/sessions", json={"user": "u", "workflow": {"id": workflow_id}})
    assert error_of(refused, 400)["code"] == "workflow_archived"


@pytest.mark.parametrize(
    ("body", "param", "fragment"),
    [
        ({"format": "yaml", "source": "agents: [}"}, "source", "does not parse"),
        ({"format": "yaml", "source": "agents: []"}, "source", "agents"),
        ({"format": "yaml", "source": "agents: [{name: a, handoffs: [b]}]"}, "source", "no agent named 'b'"),
        ({"format": "yaml", "source": "agents: [{name: a, tools: [{builtin: nope}]}]"}, "source", "nope"),
        (
            {"format": "yaml", "source": "state_variables: {n: {type: integer, default: x}}\nagents: [{name: a}]"},
            "source",
            "integer",
        ),
        ({"format": "python", "source": "x = 1"}, "source", "Agent"),
        ({"format": "python", "source": "raise RuntimeError('boom')"}, "source", "boom"),
        ({"format": "toml", "source": "x"}, "format", ""),
        ({"format": "yaml", "source": "agents: [{name: a}]", "id": "default"}, "id", "default"),
        ({"format": "yaml", "source": "agents: [{name: a}]", "id": "bad id!"}, "id", ""),
    ],
)
def test_bad_definitions_are_400s(
    sqlite_server: RunningServer, body: dict[str, Any], param: str, fragment: str
) -> None:
    error = error_of(sqlite_server.admin().post("/v1/chatkit/workflows", json=body), 400)
    assert error["param"] == param
    assert fragment in error["message"]


def test_state_variables_are_checked_at_session_create(server: RunningServer) -> None:
    publish(server, id="greeter")
    admin = server.admin()

    def create(workflow: dict[str, Any]) -> Any:
        return admin.post("/v1/chatkit/sessions", json={"user": "u", "workflow": workflow})

    ok = create({"id": "greeter", "state_variables": {"tier": "gold", "seats": 3, "vip": True}})
    assert ok.status_code == 200, ok.text
    assert ok.json()["workflow"]["state_variables"] == {"tier": "gold", "seats": 3, "vip": True}
    unknown = error_of(create({"id": "greeter", "state_variables": {"plan": "x"}}), 400)
    assert (unknown["param"], unknown["code"]) == ("workflow.state_variables.plan", "unknown_state_variable")
    wrong = error_of(create({"id": "greeter", "state_variables": {"seats": "three"}}), 400)
    assert (wrong["param"], wrong["code"]) == ("workflow.state_variables.seats", "invalid_state_variable_type")
    bool_for_int = error_of(create({"id": "greeter", "state_variables": {"seats": True}}), 400)
    assert bool_for_int["param"] == "workflow.state_variables.seats"


def test_unknown_workflow_and_version_are_404s(server: RunningServer) -> None:
    publish(server, id="greeter")
    admin = server.admin()
    for workflow, param in (
        ({"id": "nope"}, "workflow.id"),
        ({"id": "greeter", "version": "7"}, "workflow.version"),
        ({"id": "greeter", "version": "x"}, "workflow.version"),
        ({"id": "default", "version": "2"}, "workflow.version"),
    ):
        response = admin.post("/v1/chatkit/sessions", json={"user": "u", "workflow": workflow})
        assert error_of(response, 404)["param"] == param
    assert error_of(admin.get("/v1/chatkit/workflows/nope"), 404)["param"] == "workflow_id"
    assert error_of(admin.get("/v1/chatkit/workflows/greeter/versions/5"), 404)["param"] == "version"
    assert error_of(server.client().get("/v1/chatkit/workflows"), 401)["code"] == "missing_api_key"


def test_serve_registers_workflow_files_once(make_server: MakeServer, tmp_path: Path) -> None:
    path = tmp_path / "greeter.yaml"
    path.write_text(YAML_V1)
    first = make_server(workflow_paths=(path,))
    assert first.admin().get("/v1/chatkit/workflows/greeter").json()["version_count"] == 1
    # The same database with the same file: no new version; a changed file: one more.
    again = make_server(workflow_paths=(path,), database_url=first.settings.resolved_database_url)
    assert again.admin().get("/v1/chatkit/workflows/greeter").json()["version_count"] == 1
    path.write_text(YAML_V2)
    changed = make_server(workflow_paths=(path,), database_url=first.settings.resolved_database_url)
    assert changed.admin().get("/v1/chatkit/workflows/greeter").json()["latest_version"] == "2"


def test_serve_workflow_option_publishes_the_example(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "support.yaml"
    env = {"CHATKIT_HOST_API_KEY": "serve-key"}
    with serving(["--workflow", str(example)], cwd=tmp_path, env=env) as (base_url, _):
        headers = {"Authorization": "Bearer serve-key"}
        version = httpx.get(f"{base_url}/v1/chatkit/workflows/support/versions/1", headers=headers).json()
        assert version["source"] == example.read_text()
        assert version["agents"] == ["triage", "billing"]
        assert set(version["state_variables"]) == {"tier", "company"}


def test_workflow_list_pages_with_the_builtin_first(sqlite_server: RunningServer) -> None:
    for workflow_id in ("a1", "a2", "a3"):
        publish(sqlite_server, id=workflow_id)
    admin = sqlite_server.admin()

    def page(**params: Any) -> tuple[list[str], bool, str | None]:
        body = admin.get("/v1/chatkit/workflows", params={"order": "asc", **params}).json()
        return [w["id"] for w in body["data"]], body["has_more"], body["last_id"]

    assert page(limit=2) == (["default", "a1"], True, "a1")
    assert page(limit=2, after="a1") == (["a2", "a3"], False, "a3")
    assert page(limit=1) == (["default"], True, "default")
    assert page(limit=1, after="default") == (["a1"], True, "a1")
    assert page(limit=10) == (["default", "a1", "a2", "a3"], False, "a3")


def test_concurrent_first_loads_compile_a_version_once(sqlite_server: RunningServer) -> None:
    # Another process (or a restart) published the version, so this registry has not compiled it yet.
    publish(sqlite_server, id="greeter")

    async def load_twice() -> list[Any]:
        store = Store.open(sqlite_server.settings.resolved_database_url)
        models = ModelRouter(sqlite_server.settings)
        try:
            registry = WorkflowRegistry(WorkflowStore(store.db), models)
            loaded = await asyncio.gather(registry.load("greeter", "1"), registry.load("greeter", "1"))
            return [compiled for _, compiled in loaded]
        finally:
            await models.aclose()
            await store.close()

    first, second = asyncio.run(load_twice())
    # One compiled form per version: a second one would run a Python module twice and orphan its MCP servers.
    assert first is second
