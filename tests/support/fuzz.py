"""What the fuzz suites share: hostile values, strategies built from request types, the seed, the verdict.

The verdict is the issue's bar (issue 13 item 4): no answer of 500 or more, no dropped connection, and every
error in OpenAI's envelope. A fuzz test collects every breach it meets (without stopping at the first, so
one run reports the whole class) and fails once at the end with all of them.
"""

from __future__ import annotations

import types
import typing
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

import httpx
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from pydantic import AnyUrl, BaseModel

from tests.support.runtime import Runtime, new_session
from tests.support.servers import RunningServer
from tests.support.workflows import HELPER_WORKFLOW, publish

#: Derandomised (a fixed seed, no example database), so CI runs the same examples every time.
FUZZ_SETTINGS = settings(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    suppress_health_check=list(HealthCheck),
)

#: Values that broke the server before issue 13.4: NUL, digits that are not ASCII, non-Latin-1, CR/LF, huge.
HOSTILE_STRINGS = [
    "\x00",
    "a\x00b",
    "²",
    "١٢٣",
    "1" * 40,
    "ü",
    "日本語",
    "😀",
    "a\r\nb",
    "\n",
    "%00",
    "x" * 300,
    "",
    " ",
    "../..",
]
HOSTILE_INTS = [0, -1, 1, 2**31 - 1, 2**31, -(2**31) - 1, 2**53 + 1, 2**63 - 1, 2**63, 10**30, -(10**30)]
#: Mime types: good ones, and every kind of bad one (no slash, parameters, non-ASCII, CR/LF, NUL, long).
MIME_TYPES = [
    "image/png",
    "text/plain",
    "application/octet-stream",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "text/plain; charset=utf-8",
    "",
    "png",
    "image/",
    "/png",
    "image/png/x",
    "imäge/png",
    "image/pñg",
    "image/日本",
    "text/plain\r\nX-Injected: 1",
    "text/plain\n",
    "image/png\x00",
    "image/" + "a" * 300,
    'text/plain; charset="ü"',
]

#: Half plain, so a request with several strings still often gets past validation to the handlers.
hostile_text = st.one_of(
    st.just("hello"), st.sampled_from(HOSTILE_STRINGS), st.just("plain text"), st.text(max_size=24)
)
hostile_int = st.one_of(st.sampled_from(HOSTILE_INTS), st.integers())
mime_type = st.one_of(st.sampled_from(MIME_TYPES), st.text(max_size=30))
json_values = st.recursive(
    st.none() | st.booleans() | hostile_int | st.floats(allow_nan=False) | hostile_text,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(hostile_text, children, max_size=3),
    max_leaves=8,
)


def from_type(tp: Any, hints: Mapping[str, st.SearchStrategy[Any]], name: str = "", depth: int = 0) -> Any:
    """A strategy for JSON matching the type ``tp`` (a pydantic model or annotation), scalars hostile.

    Mostly well-formed, so requests get past validation to the handlers and the store; ``hints`` gives the
    values of fields by name (real thread ids, mime types), and every string and integer elsewhere comes
    from the hostile pools above.
    """
    if name in hints and tp is not None:
        origin = typing.get_origin(tp)
        if origin not in (list, dict):
            return hints[name]
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Annotated:
        return from_type(args[0], hints, name, depth)
    if origin is typing.Literal:
        return st.sampled_from(args)
    if origin in (typing.Union, types.UnionType):
        return st.one_of([from_type(a, hints, name, depth) for a in args])
    if origin in (list, typing.Sequence, tuple, set, frozenset):
        item = args[0] if args else Any
        return st.lists(from_type(item, hints, name, depth + 1), max_size=2 if depth < 3 else 0)
    if origin is dict:
        return st.one_of(st.just({}), st.dictionaries(hostile_text, json_values, max_size=2))
    if isinstance(tp, typing.TypeVar):  # a generic model's parameter (``Action[str, Any]`` seen unparametrised)
        return hostile_text
    if tp is Any or tp is object:
        return json_values
    if tp is type(None):
        return st.none()
    if isinstance(tp, type):
        if issubclass(tp, BaseModel):
            return _model(tp, hints, depth)
        if issubclass(tp, Enum):
            return st.sampled_from([member.value for member in tp])
        if issubclass(tp, bool):
            return st.booleans()
        if issubclass(tp, int):
            return hostile_int
        if issubclass(tp, float):
            return st.one_of(st.floats(allow_nan=False, allow_infinity=False), hostile_int)
        if issubclass(tp, str):
            return hostile_text
        if issubclass(tp, datetime):
            return st.sampled_from(["2026-01-01T00:00:00Z", "not a date", "\x00"])
        if issubclass(tp, AnyUrl):
            return st.sampled_from(["https://example.com/a.png", "not a url", "https://\x00"])
    return json_values


def _model(model: type[BaseModel], hints: Mapping[str, st.SearchStrategy[Any]], depth: int) -> Any:
    if depth > 6:
        return st.just({})
    resolved = typing.get_type_hints(model, include_extras=True)
    required: dict[str, Any] = {}
    optional: dict[str, Any] = {}
    for field_name, info in model.model_fields.items():
        annotation = resolved.get(field_name, info.annotation)
        strategy = from_type(annotation, hints, field_name, depth + 1)
        # A Literal is a union's tag (``type``): always sent, or the request names no type at all.
        always = info.is_required() or typing.get_origin(annotation) is typing.Literal
        (required if always else optional)[info.alias or field_name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def breach(response: httpx.Response) -> str | None:
    """What is wrong with an answer by the issue's bar, or None: a 5xx, or an error outside the envelope."""
    if response.status_code >= 500:
        return f"{response.status_code}: {response.text[:300]}"
    if response.status_code < 400:
        return None
    if not response.headers.get("content-type", "").startswith("application/json"):
        return f"{response.status_code} without a JSON body: {response.headers.get('content-type')}"
    try:
        body = response.json()
    except ValueError:
        return f"{response.status_code} with a body that is not JSON: {response.text[:200]}"
    error = body.get("error") if isinstance(body, dict) else None
    if set(body) != {"error"} or not isinstance(error, dict) or set(error) != {"message", "type", "param", "code"}:
        return f"{response.status_code} outside the envelope: {response.text[:200]}"
    if not isinstance(error["message"], str) or not error["message"] or not isinstance(error["type"], str):
        return f"{response.status_code} with an empty message or type: {response.text[:200]}"
    return None


@dataclass
class Findings:
    """Every breach a fuzz run met: ``check`` records one per request, ``assert_none`` fails with them all."""

    seen: int = 0
    problems: list[str] = field(default_factory=list)
    #: Answers by status: how far the fuzzing reached (a run of nothing but 400s tests only the parser).
    statuses: Counter[int] = field(default_factory=Counter)

    def check(self, what: str, send: Callable[[], httpx.Response]) -> httpx.Response | None:
        self.seen += 1
        try:
            response = send()
        except (httpx.TransportError, OSError) as exc:  # dropped or unanswered (requests raises OSErrors)
            self.problems.append(f"{what}: connection dropped ({type(exc).__name__}: {exc})")
            return None
        self.statuses[response.status_code] += 1
        problem = breach(response)
        if problem is not None:
            self.problems.append(f"{what}: {problem}")
        return response

    def assert_none(self, minimum: int, reached: int = 1) -> None:
        """No breach among at least ``minimum`` requests, at least ``reached`` of which succeeded (a 2xx)."""
        assert self.seen >= minimum, f"only {self.seen} requests were sent"
        succeeded = sum(count for status, count in self.statuses.items() if status < 300)
        assert succeeded >= reached, f"only {succeeded} requests got past validation: {self.statuses}"
        assert not self.problems, f"{len(self.problems)} of {self.seen} requests broke the bar:\n" + "\n".join(
            self.problems[:40]
        )


@dataclass
class Seed:
    """Real objects of one server, so fuzzed requests reach past the id checks to the handlers and the store."""

    runtime: Runtime
    session_id: str
    workflow_id: str
    thread_ids: list[str]
    item_ids: list[str]
    attachment_ids: list[str]
    trace_ids: list[str]
    upload_query: dict[str, str]


def seed(server: RunningServer) -> Seed:
    """A workflow, a session with uploads on, two threads with items, an attachment, and the traces they made."""
    workflow = publish(server, HELPER_WORKFLOW, "wf_fuzz")
    config = {"file_upload": {"enabled": True, "max_files": 1000}}
    runtime = Runtime.for_user(
        server, "fuzz-user", chatkit_configuration=config, rate_limits={"max_requests_per_1_minute": 100_000}
    )
    new_session(server, "other-user")
    thread_ids = [runtime.create_thread(text)[0] for text in ("first thread", "second thread")]
    items = runtime.json("items.list", thread_id=thread_ids[0])["data"]
    attachment = runtime.json("attachments.create", name="a.png", size=4, mime_type="image/png")
    upload_url = httpx.URL(attachment["upload_descriptor"]["url"])
    traces = server.admin().get("/v1/chatkit/traces").json()["data"]
    return Seed(
        runtime=runtime,
        session_id=runtime.session["id"],
        workflow_id=workflow["workflow_id"],
        thread_ids=thread_ids,
        item_ids=[item["id"] for item in items],
        attachment_ids=[attachment["id"]],
        trace_ids=[trace["id"] for trace in traces],
        upload_query=dict(upload_url.params),
    )
