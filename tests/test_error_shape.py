"""Every error path leaves as OpenAI's envelope with the right status, and no input produces a 500."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import make_url

from chatkit_host.server.api import ENDPOINTS
from tests.support.servers import MakeServer, RunningServer


def assert_envelope(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert isinstance(error["message"], str) and error["message"]
    assert isinstance(error["type"], str)
    return error  # type: ignore[no-any-return]


def test_missing_and_wrong_keys_are_401(sqlite_server: RunningServer) -> None:
    plain = sqlite_server.client()
    error = assert_envelope(plain.get("/v1/chatkit/threads"), 401)
    assert error["code"] == "missing_api_key"
    error = assert_envelope(plain.get("/v1/chatkit/threads", headers={"Authorization": "Bearer nope"}), 401)
    assert error["code"] == "invalid_api_key"
    assert_envelope(plain.get("/v1/chatkit/threads", headers={"Authorization": "Basic abc"}), 401)
    assert_envelope(plain.post("/v1/chatkit/sessions", json={}), 401)


def test_unknown_path_is_404_and_wrong_method_is_405(sqlite_server: RunningServer) -> None:
    admin = sqlite_server.admin()
    assert_envelope(admin.get("/v1/chatkit/nothing-here"), 404)
    assert_envelope(admin.put("/v1/chatkit/threads"), 405)
    assert_envelope(admin.get("/v1/chatkit/sessions/cksess_01ARZ3NDEKTSV4RRFFQ69G5FAV/cancel"), 405)


def test_body_errors(sqlite_server: RunningServer) -> None:
    admin = sqlite_server.admin()
    url = "/v1/chatkit/sessions"
    error = assert_envelope(admin.post(url, content=b"{not json", headers={"content-type": "application/json"}), 400)
    assert error["code"] == "invalid_json"
    assert_envelope(admin.post(url, content=b"", headers={"content-type": "application/json"}), 400)
    assert_envelope(admin.post(url, content=b"[1, 2]", headers={"content-type": "application/json"}), 400)
    assert_envelope(admin.post(url, content=b"user=x", headers={"content-type": "text/plain"}), 415)
    huge = b'{"user": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    assert_envelope(admin.post(url, content=huge, headers={"content-type": "application/json"}), 413)


def test_openai_beta_header_is_accepted_not_required(sqlite_server: RunningServer) -> None:
    admin = sqlite_server.admin()
    assert admin.get("/v1/chatkit/threads").status_code == 200
    assert admin.get("/v1/chatkit/threads", headers={"OpenAI-Beta": "chatkit_beta=v1"}).status_code == 200


def test_healthz_needs_no_key(sqlite_server: RunningServer) -> None:
    response = sqlite_server.client().get("/healthz")
    assert response.status_code == 200
    # The server runs in this process's thread here, so the worker that answered is this process.
    assert response.json() == {"status": "ok", "database": "sqlite", "worker": os.getpid()}


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
session_like = st.fixed_dictionaries(
    {},
    optional={
        "user": json_values | st.text(max_size=600),
        "workflow": json_values
        | st.fixed_dictionaries(
            {"id": json_values},
            optional={"version": json_values, "state_variables": json_values, "tracing": json_values},
        ),
        "expires_after": json_values | st.fixed_dictionaries({"anchor": json_values, "seconds": json_values}),
        "rate_limits": json_values,
        "chatkit_configuration": json_values,
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(session_like, json_values))
def test_no_session_body_produces_a_500(sqlite_server: RunningServer, body: object) -> None:
    response = sqlite_server.admin().post(
        "/v1/chatkit/sessions", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code in (200, 400, 404), response.text
    if response.status_code != 200:
        assert_envelope(response, response.status_code)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["limit", "order", "after", "before", "user", "extra"]),
        st.text(max_size=40) | st.integers().map(str),
        max_size=5,
    )
)
def test_no_list_query_produces_a_500(sqlite_server: RunningServer, params: dict[str, str]) -> None:
    admin = sqlite_server.admin()
    for path in ("/v1/chatkit/threads", "/v1/chatkit/threads/cthr_01ARZ3NDEKTSV4RRFFQ69G5FAV/items"):
        response = admin.get(path, params=params)
        assert response.status_code in (200, 400, 404), response.text
        if response.status_code != 200:
            assert_envelope(response, response.status_code)


@pytest.mark.parametrize("path", ["/v1/chatkit/threads/nothing", "/v1/chatkit/threads/" + "x" * 5000])
def test_odd_path_ids_are_404(sqlite_server: RunningServer, path: str) -> None:
    assert_envelope(sqlite_server.admin().get(path), 404)


def test_nul_in_a_path_value_is_a_400_naming_it(sqlite_server: RunningServer) -> None:
    # No store can hold a NUL (PostgreSQL refuses it): refused at the edge, like NUL in a body or a query.
    error = assert_envelope(sqlite_server.admin().get("/v1/chatkit/threads/%00"), 400)
    assert (error["param"], error["code"]) == ("thread_id", "invalid_value")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/chatkit/threads", None),
        ("POST", "/v1/chatkit/sessions", {"user": "u", "workflow": {"id": "default"}}),
    ],
)
def test_an_unexpected_failure_on_a_hot_route_is_a_500_envelope(
    make_server: MakeServer, method: str, path: str, body: object
) -> None:
    # The hot routes bypass Starlette's server-error layer, so they must answer its envelope themselves.
    server = make_server()
    database = make_url(server.settings.resolved_database_url).database
    with closing(sqlite3.connect(str(database))) as conn:  # a broken database: the tables are gone
        conn.execute("PRAGMA foreign_keys=OFF")
        conn.execute("DROP TABLE sessions")
        conn.execute("DROP TABLE thread_items")
        conn.execute("DROP TABLE threads")
        conn.commit()
    response = server.admin().request(method, path, json=body)
    assert response.status_code == 500
    assert response.json()["error"] == {
        "message": "The server had an error while processing your request.",
        "type": "server_error",
        "param": None,
        "code": None,
    }
    assert server.client().get("/healthz").status_code in (200, 503)  # the server itself is still up


def _concrete(path: str) -> str:
    # Ids that name nothing: a GET then answers its 404 (or, for the built-in workflow, 200).
    return (
        path.replace("{thread_id}", "cthr_01ARZ3NDEKTSV4RRFFQ69G5FAV")
        .replace("{session_id}", "cksess_01ARZ3NDEKTSV4RRFFQ69G5FAV")
        .replace("{trace_id}", "trace_01ARZ3NDEKTSV4RRFFQ69G5FAV")
        .replace("{workflow_id}", "default")
        .replace("{version}", "1")
    )


def test_head_answers_like_get_on_every_get_route_of_the_table(sqlite_server: RunningServer) -> None:
    admin = sqlite_server.admin()
    gets = [e for e in ENDPOINTS if e.method == "GET"]
    assert any(e.fast for e in gets) and any(not e.fast for e in gets)  # both lanes are covered
    for endpoint in gets:
        path = _concrete(endpoint.path) + ("?group_by=user" if endpoint.handler.__name__ == "usage" else "")
        get = admin.get(path)
        head = admin.head(path)
        assert head.status_code == get.status_code != 405, (endpoint.path, head.status_code)
        assert head.content == b""
        assert head.headers["content-type"] == "application/json"
        assert int(head.headers["content-length"]) == len(get.content), endpoint.path
    assert sqlite_server.client().head("/v1/chatkit/threads").status_code == 401  # HEAD is authenticated too


def test_openapi_documents_every_endpoint_of_the_table(sqlite_server: RunningServer) -> None:
    schema = sqlite_server.client().get("/openapi.json").json()
    for endpoint in ENDPOINTS:
        operation = schema["paths"][endpoint.path][endpoint.method.lower()]
        assert "head" not in schema["paths"][endpoint.path]
        documented = {(p["in"], p["name"]) for p in operation.get("parameters", [])}
        declared = {("path", name) for name in endpoint.path_params}
        declared |= {("query", name) for name in (endpoint.query.model_fields if endpoint.query else ())}
        assert documented == declared, endpoint.path
        if endpoint.body is not None:
            ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == f"#/components/schemas/{endpoint.body.__name__}"
            assert endpoint.body.__name__ in schema["components"]["schemas"]
        else:
            assert "requestBody" not in operation
