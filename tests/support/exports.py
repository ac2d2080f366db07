"""Agent Builder-shaped exports the export tests run, each with what the tests may expect of it.

The repository's own, ``tests/fixtures/exports/library_desk.py``, always runs; the shared example
(``../shared/examples/agent_builder_export.py``) runs too when it is checked out beside the repository.
Both have the same structure (a structured router agent, then one of two answering agents, one with a
function tool), so one set of tests covers both; an ``ExportCase`` names the parts that differ.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tests.support.reference import SHARED_DIR

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"


@dataclass(frozen=True)
class ExportCase:
    id: str
    path: Path
    #: Every agent and every model of the export, in definition order (the published version lists them).
    agents: list[str]
    models: list[str]
    #: The structured router: its model, a phrase of its instructions, and its output naming each branch.
    router: str
    router_model: str
    router_says: str
    tool_route: dict[str, str]
    other_route: dict[str, str]
    #: The branch with the function tool: its agent, model, a phrase of its instructions, the tool call.
    tool_agent: str
    tool_agent_model: str
    tool_agent_says: str
    tool: str
    tool_arguments: dict[str, str]
    #: What the tool returns for those arguments (the export's own code computes it).
    tool_result: str
    question: str

    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def route_reply(self, route: dict[str, str]) -> str:
        """The router's structured answer as the model would send it."""
        return json.dumps(route, separators=(",", ":"))


LIBRARY_DESK = ExportCase(
    id="library_desk",
    path=FIXTURES / "library_desk.py",
    agents=["Router", "Loans desk", "Info desk"],
    models=["gpt-4o-mini", "gpt-4o"],
    router="Router",
    router_model="gpt-4o-mini",
    router_says="Pick the desk for the reader's newest message",
    tool_route={"desk": "loans"},
    other_route={"desk": "info"},
    tool_agent="Loans desk",
    tool_agent_model="gpt-4o",
    tool_agent_says="You answer questions about a reader's loans.",
    tool="loan_status",
    tool_arguments={"loan_id": "L-17"},
    tool_result="renewed until 30 June",
    question="Until when do I have loan L-17?",
)

SHARED_EXAMPLE = ExportCase(
    id="shared_example",
    path=SHARED_DIR / "examples" / "agent_builder_export.py",
    agents=["Triage", "Orders", "General"],
    models=["gpt-4.1-mini", "gpt-4.1"],
    router="Triage",
    router_model="gpt-4.1-mini",
    router_says="Classify the user's latest message",
    tool_route={"category": "orders"},
    other_route={"category": "general"},
    tool_agent="Orders",
    tool_agent_model="gpt-4.1",
    tool_agent_says="help customers with their orders",
    tool="lookup_order",
    tool_arguments={"order_id": "A100"},
    tool_result="shipped on Monday",
    question="Where is my order A100?",
)


def export_cases() -> list[ExportCase]:
    """The repository's own export always; the shared example only when it is there (never a skip)."""
    return [LIBRARY_DESK, *([SHARED_EXAMPLE] if SHARED_EXAMPLE.path.is_file() else [])]
