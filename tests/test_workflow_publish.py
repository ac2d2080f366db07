"""``workflows publish FILE.yaml`` under the YAML's own id and name; titles that never repeat a refused message."""

from __future__ import annotations

from pathlib import Path

from chatkit_host.server.workflows.titles import REFUSED_TITLE
from tests.support.cli import cli, ok
from tests.support.fake_openai import FakeOpenAI, Reply
from tests.support.servers import MakeServer, RunningServer
from tests.support.workflows import provider_server, publish, reply_text, runtime

NAMED = """\
id: front-desk
name: Front desk
agents:
  - name: desk
    instructions: Greet guests.
"""

GUARDED = """\
agents:
  - name: helper
    instructions: Help.
    guardrails:
      input:
        - name: no_secrets
          blocked_words: [secret]
          message: I cannot keep secrets.
"""


def _workflow(server: RunningServer, workflow_id: str) -> dict[str, object]:
    response = server.admin().get(f"/v1/chatkit/workflows/{workflow_id}")
    assert response.status_code == 200, response.text
    found: dict[str, object] = response.json()
    return found


def test_cli_publishes_a_yaml_under_its_own_id_and_name(sqlite_server: RunningServer, tmp_path: Path) -> None:
    definition = tmp_path / "anything.yaml"  # the file's name is not the id when the YAML has one
    definition.write_text(NAMED)
    published = ok(cli("workflows", "publish", str(definition), server=sqlite_server))
    assert "front-desk" in published and "1 (latest)" in published
    workflow = _workflow(sqlite_server, "front-desk")
    assert (workflow["id"], workflow["name"]) == ("front-desk", "Front desk")
    # --id and --name still win.
    ok(cli("workflows", "publish", str(definition), "--id", "lobby", "--name", "Lobby", server=sqlite_server))
    assert _workflow(sqlite_server, "lobby")["name"] == "Lobby"
    listed = sqlite_server.admin().get("/v1/chatkit/workflows").json()["data"]
    assert sorted(w["id"] for w in listed) == ["default", "front-desk", "lobby"]
    # Without id: the file name, as before; the YAML's name still names it.
    unnamed = tmp_path / "concierge.yaml"
    unnamed.write_text(NAMED.replace("id: front-desk\n", ""))
    ok(cli("workflows", "publish", str(unnamed), server=sqlite_server))
    assert _workflow(sqlite_server, "concierge")["name"] == "Front desk"


def test_a_refused_first_message_does_not_become_the_title_offline(make_server: MakeServer) -> None:
    server = make_server()
    publish(server, GUARDED, "guarded")
    rt = runtime(server, {"id": "guarded"}, titles=True)
    _, events = rt.create_thread("my secret is 42")
    assert reply_text(events) == "I cannot keep secrets."
    [updated] = [e for e in events if e.type == "thread.updated"]
    assert updated.thread.title == REFUSED_TITLE
    # An accepted message is titled as before (offline: from its words).
    _, events = rt.create_thread("opening hours please")
    assert [e.thread.title for e in events if e.type == "thread.updated"] == ["opening hours please"]


def test_a_refused_first_message_does_not_reach_the_title_model(
    make_server: MakeServer, fake_openai: FakeOpenAI
) -> None:
    server = provider_server(make_server, fake_openai)
    publish(server, GUARDED, "guarded")
    rt = runtime(server, {"id": "guarded"}, titles=True)
    _, events = rt.create_thread("my secret is 42")
    assert [e.thread.title for e in events if e.type == "thread.updated"] == [REFUSED_TITLE]
    assert fake_openai.requests == []  # neither the agent nor the titler saw the message
    fake_openai.script(Reply(text="Sure."), Reply(text="Opening hours"))
    _, events = rt.create_thread("when are you open?")
    assert [e.thread.title for e in events if e.type == "thread.updated"] == ["Opening hours"]
