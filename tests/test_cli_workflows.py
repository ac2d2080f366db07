"""``chatkit-host workflows publish|list|show|set-latest|archive`` and ``traces list|show`` as subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

from chatkit_host import ChatKitHost
from tests.support.cli import cli, ok, one_line_error
from tests.support.servers import RunningServer
from tests.support.workflows import HELPER_WORKFLOW


def test_workflows_commands(sqlite_server: RunningServer, tmp_path: Path) -> None:
    definition = tmp_path / "support.yaml"
    definition.write_text(HELPER_WORKFLOW)
    published = ok(cli("workflows", "publish", str(definition), server=sqlite_server))
    assert (
        "support" in published and "1 (latest)" in published and "helper" in published and "tier: string" in published
    )

    definition.write_text(HELPER_WORKFLOW.replace("Help", "Assist"))
    second = json.loads(ok(cli("workflows", "publish", str(definition), "--no-latest", "--json", server=sqlite_server)))
    assert (second["workflow_id"], second["version"], second["is_latest"]) == ("support", "2", False)

    table = ok(cli("workflows", "list", server=sqlite_server)).splitlines()
    assert table[0].split() == ["id", "name", "latest", "versions", "flags"]  # every column labelled (F19)
    assert [line.split()[0] for line in table[1:]] == ["default", "support"]
    listed = json.loads(ok(cli("workflows", "list", "--json", server=sqlite_server)))
    assert [(w["id"], w["latest_version"], w["version_count"]) for w in listed] == [
        ("default", "1", 1),
        ("support", "1", 2),
    ]

    shown = json.loads(ok(cli("workflows", "show", "support", "--json", server=sqlite_server)))
    assert [v["version"] for v in shown["versions"]] == ["2", "1"]
    source = ok(cli("workflows", "show", "support", "--version", "2", server=sqlite_server))
    assert "Assist {{ state.tier }} customers." in source

    # set-latest and archive (F23)
    rolled = ok(cli("workflows", "set-latest", "support", "2", server=sqlite_server)).splitlines()
    assert ["latest", "2"] in [line.split() for line in rolled]
    shown = json.loads(ok(cli("workflows", "show", "support", "--json", server=sqlite_server)))
    assert [(v["version"], v["is_latest"]) for v in shown["versions"]] == [("2", True), ("1", False)]
    line = one_line_error(cli("workflows", "set-latest", "support", "9", server=sqlite_server), 1)
    assert line.startswith("error: 404 ")
    archived = json.loads(ok(cli("workflows", "archive", "support", "--json", server=sqlite_server)))
    assert archived["archived"] is True
    assert [w["id"] for w in json.loads(ok(cli("workflows", "list", "--json", server=sqlite_server)))] == ["default"]
    everything = ok(cli("workflows", "list", "--include-archived", server=sqlite_server)).splitlines()
    assert everything[-1].split()[0] == "support" and everything[-1].split()[-1] == "archived"
    refused = cli("sessions", "create", "--user", "u", "--workflow", "support", server=sqlite_server)
    assert refused.returncode == 1

    line = one_line_error(cli("workflows", "show", "missing", server=sqlite_server), 1)
    assert line.startswith("error: 404 ") and "workflow_not_found" in line
    weird = tmp_path / "flow.txt"
    weird.write_text("x")
    assert cli("workflows", "publish", str(weird), server=sqlite_server).returncode == 2


def test_traces_commands(sqlite_server: RunningServer) -> None:
    with ChatKitHost(base_url=sqlite_server.base_url, api_key=sqlite_server.admin_key) as client:
        client.chatkit.workflows.publish(id="support", source=HELPER_WORKFLOW)
        session = client.chatkit.sessions.create(user="erin", workflow={"id": "support"})
        chat = client.chatkit.conversation(session.client_secret)
        chat.ask("hello")
    listed = json.loads(ok(cli("traces", "list", "--thread", str(chat.thread_id), "--json", server=sqlite_server)))
    [trace] = listed["data"]
    assert (trace["user"], trace["workflow"]) == ("erin", {"id": "support", "version": "1"})
    table = ok(cli("traces", "list", "--user", "erin", server=sqlite_server))
    assert trace["id"] in table and "support@1" in table

    shown = ok(cli("traces", "show", trace["id"], server=sqlite_server)).splitlines()
    assert any(line.split() == ["status", "completed"] for line in shown)
    header = next(n for n, line in enumerate(shown) if line.startswith("span "))
    spans = [line.split() for line in shown[header + 1 :]]
    # A tree: the run, the agent indented under it, the model call under the agent, with its tokens.
    assert spans[0][:3] == ["support", "v1", "run"]
    assert spans[1][:2] == ["helper", "agent"]
    assert spans[2][:3] == ["offline", "model", "offline"] and "in" in spans[2]
    assert shown[header + 3].startswith("    offline")
    as_json = json.loads(ok(cli("traces", "show", trace["id"], "--json", server=sqlite_server)))
    assert [span["kind"] for span in as_json["spans"]] == ["run", "agent", "model"]

    line = one_line_error(cli("traces", "show", "trace_nope", server=sqlite_server), 1)
    assert line.startswith("error: 404 ")
