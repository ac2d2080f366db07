"""Fuzz every documented route with schemathesis, on the app's own ``/openapi.json``: no 5xx, no dropped connection.

Issue 13 item 4. Each operation gets three runs: valid inputs with real path ids (a workflow, a thread, a
session, a trace and an attachment that exist, so requests get past the id checks to the handlers and the
store), invalid inputs with the same ids, and invalid inputs everywhere (path values too). Examples are
derandomised and few (``EXAMPLES`` per run; the whole module sends about 400 requests), so CI is stable and
bounded. ``POST /chatkit`` and ``POST /chatkit/upload`` document no body: ``tests/test_fuzz_runtime.py``
fuzzes them from the protocol's request types.
"""

from __future__ import annotations

import contextlib
from typing import Any

import httpx
import requests
import schemathesis
from hypothesis import given, settings
from hypothesis.errors import Unsatisfiable

from tests.support.fuzz import FUZZ_SETTINGS, Findings, seed
from tests.support.servers import MakeServer

#: Examples per operation and run: 3 runs x ~25 operations x 2 databases.
EXAMPLES = 4
#: Documented without a body schema; fuzzed from the protocol's types in tests/test_fuzz_runtime.py.
UNDOCUMENTED_BODIES = {("POST", "/chatkit"), ("POST", "/chatkit/upload")}
#: Operations that end the seeded objects run last, so every other one meets them alive.
LAST = {
    ("DELETE", "/v1/chatkit/threads/{thread_id}"),
    ("POST", "/v1/chatkit/workflows/{workflow_id}/archive"),
    ("POST", "/v1/chatkit/sessions/{session_id}/cancel"),
}


def _send(http: requests.Session, case: Any, base_url: str, headers: dict[str, str]) -> requests.Response:
    """The case as schemathesis serialises it, sent with ``requests`` (a plain response, kept-alive connection)."""
    kwargs = case.as_transport_kwargs(base_url=base_url, headers=headers)
    return http.request(**kwargs, timeout=30, allow_redirects=False)


def _fuzz(strategy: Any, findings: Findings, base_url: str, headers: dict[str, str]) -> None:
    http = requests.Session()

    @settings(FUZZ_SETTINGS, max_examples=EXAMPLES)
    @given(case=strategy)
    def run(case: Any) -> None:
        what = f"{case.method} {case.formatted_path} query={case.query!r} body={case.body!r}"[:400]
        findings.check(what, lambda: _send(http, case, base_url, headers))

    # Unsatisfiable: nothing to make invalid (a route whose only inputs are the fixed path ids, or none).
    with contextlib.suppress(Unsatisfiable):
        run()


def test_no_documented_route_answers_5xx_or_drops_the_connection(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend)
    objects = seed(server)
    real_ids = {
        "workflow_id": objects.workflow_id,
        "thread_id": objects.thread_ids[1],
        "session_id": objects.session_id,
        "trace_id": objects.trace_ids[0],
        "attachment_id": objects.attachment_ids[0],
        "version": "1",
    }
    admin = {"Authorization": f"Bearer {server.admin_key}"}
    secret = {"Authorization": f"Bearer {objects.runtime.secret}"}
    schema = schemathesis.openapi.from_url(server.base_url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    operations = [op for op in operations if (op.method.upper(), op.path) not in UNDOCUMENTED_BODIES]
    operations.sort(key=lambda op: (op.method.upper(), op.path) in LAST)
    assert len(operations) >= 20, [op.path for op in operations]
    findings = Findings()
    for operation in operations:
        names = {p.name for p in operation.path_parameters}
        fixed = {name: real_ids[name] for name in names if name in real_ids}
        headers = secret if operation.path.startswith("/chatkit") else admin
        strategies = [
            operation.as_strategy(schemathesis.GenerationMode.POSITIVE, path_parameters=fixed),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, path_parameters=fixed),
            operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
        ]

        for strategy in strategies:
            _fuzz(strategy, findings, server.base_url, headers)
    findings.assert_none(minimum=len(operations) * 3, reached=len(operations))
    assert httpx.get(server.base_url + "/healthz").status_code == 200
