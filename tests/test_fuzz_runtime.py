"""Fuzz the runtime: every ChatKit request type and the upload routes, on SQLite and PostgreSQL (issue 13.4).

Requests are drawn from ``openai-chatkit``'s own request types (``chatkit.types``, through
``tests/support/fuzz.py:from_type``): well-formed enough to get past parsing, with hostile strings and
integers everywhere (NUL, digits that are not ASCII, non-Latin-1, CR/LF, 2**63, 10**30), real thread,
item and attachment ids, and bad mime types. An attachment that gets created is uploaded and read back,
since a mime type becomes the ``Content-Type`` of its content. The bar: no answer of 500 or more, no
dropped connection, every error in OpenAI's envelope. Derandomised and bounded (``EXAMPLES``).
"""

from __future__ import annotations

import typing
from typing import Any
from urllib.parse import quote

import httpx
from chatkit.types import ChatKitReq
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.fuzz import (
    FUZZ_SETTINGS,
    HOSTILE_STRINGS,
    MIME_TYPES,
    Findings,
    Seed,
    from_type,
    hostile_text,
    json_values,
    mime_type,
    seed,
)
from tests.support.servers import MakeServer

#: Examples per request type (16 types) and per upload route, per database.
EXAMPLES = 6
REQUEST_TYPES: list[Any] = list(typing.get_args(typing.get_args(ChatKitReq)[0]))


def _hints(objects: Seed) -> dict[str, st.SearchStrategy[Any]]:
    """Field values by name: mostly real ids (so requests reach the store), sometimes hostile text."""

    def real(values: list[str]) -> st.SearchStrategy[Any]:
        return st.one_of(*[st.sampled_from(values)] * 4, hostile_text)

    return {
        "thread_id": real(objects.thread_ids),
        "item_id": real(objects.item_ids),
        "item_ids": real(objects.item_ids),
        "attachment_id": real(objects.attachment_ids),
        "attachments": real(objects.attachment_ids),
        "after": real(objects.thread_ids + objects.item_ids),
        "mime_type": mime_type,
    }


def _read_back(findings: Findings, http: httpx.Client, attachment: dict[str, Any]) -> None:
    """Upload bytes to a created attachment and fetch them: the stored mime type goes out as a header."""
    descriptor = attachment.get("upload_descriptor")
    if descriptor:
        findings.check("upload to " + attachment["id"], lambda: http.post(descriptor["url"], content=b"abcd"))
    url = attachment.get("preview_url") or f"/chatkit/attachments/{attachment['id']}/content"
    findings.check(f"content of {attachment['id']} ({attachment.get('mime_type')!r})", lambda: http.get(url))


def _post_runtime(findings: Findings, http: httpx.Client, body: Any) -> None:
    what = f"POST /chatkit {body!r}"[:400]
    response = findings.check(what, lambda: http.post("/chatkit", json=body))
    if response is None or response.status_code != 200:
        return
    if isinstance(body, dict) and body.get("type") == "attachments.create":
        _read_back(findings, http, response.json())


def _fuzz(strategy: Any, attempt: Any, examples: int = EXAMPLES) -> None:
    @settings(FUZZ_SETTINGS, max_examples=examples)
    @given(value=strategy)
    def run(value: Any) -> None:
        attempt(value)

    run()


def _multipart(filename: str, content_type: str) -> tuple[bytes, str]:
    """A multipart body made by hand: any filename and part type, even ones httpx would refuse to encode."""
    boundary = "fuzzboundary7e3"
    head = (
        f"--{boundary}\r\n"
        f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n"
    ).encode("utf-8", "surrogatepass")
    return head + b"abcd\r\n" + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_no_runtime_request_answers_5xx_or_drops_the_connection(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend)
    objects = seed(server)
    http = objects.runtime.http
    hints = _hints(objects)
    findings = Findings()
    for request_type in REQUEST_TYPES:
        _fuzz(from_type(request_type, hints), lambda body: _post_runtime(findings, http, body))
    # Past the types too: wrong shapes of params, and JSON that is not a request at all.
    names = st.sampled_from([t.model_fields["type"].default for t in REQUEST_TYPES])
    odd = st.fixed_dictionaries({"type": names, "params": json_values}) | json_values
    _fuzz(odd, lambda body: _post_runtime(findings, http, body))
    findings.assert_none(minimum=len(REQUEST_TYPES) * EXAMPLES, reached=len(REQUEST_TYPES))
    assert httpx.get(server.base_url + "/healthz").status_code == 200


def test_no_upload_request_answers_5xx_or_drops_the_connection(make_server: MakeServer, backend: str) -> None:
    server = make_server(backend=backend)
    objects = seed(server)
    http = objects.runtime.http
    findings = Findings()
    names = st.one_of(st.sampled_from([*HOSTILE_STRINGS, "photo.png"]), st.text(max_size=20))

    @st.composite
    def direct(draw: st.DrawFn) -> tuple[str, str]:
        return draw(names), draw(st.one_of(st.sampled_from(MIME_TYPES), st.text(max_size=20)))

    def upload_direct(case: tuple[str, str]) -> None:
        body, content_type = _multipart(*case)
        response = findings.check(
            f"POST /chatkit/upload {case!r}",
            lambda: http.post("/chatkit/upload", content=body, headers={"content-type": content_type}),
        )
        if response is not None and response.status_code == 200:
            _read_back(findings, http, response.json())

    _fuzz(direct(), upload_direct, examples=3 * EXAMPLES)

    # The signed URLs answer without the client secret: their session, sig and id come from anyone.
    anonymous = server.client()
    real = objects.upload_query
    signed = st.fixed_dictionaries(
        {
            "session": st.one_of(st.just(real["session"]), hostile_text),
            "sig": st.one_of(st.just(real["sig"]), hostile_text),
        },
        optional={"extra": hostile_text},
    )
    target = st.tuples(st.one_of(st.sampled_from(objects.attachment_ids), hostile_text), signed)

    def signed_url(case: tuple[str, dict[str, str]]) -> None:
        attachment_id, query = case
        for method, path in (("GET", "content"), ("POST", "upload"), ("PUT", "upload")):
            url = httpx.URL(f"/chatkit/attachments/{quote(attachment_id, safe='')}/{path}").copy_merge_params(query)
            findings.check(f"{method} {url}", lambda: anonymous.request(method, url, content=b"abcd"))  # noqa: B023

    # The reproducers first (a NUL session, a non-ASCII sig), then the fuzz.
    for query in ({"session": "\x00", "sig": real["sig"]}, {"session": real["session"], "sig": "é" * 64}):
        signed_url((objects.attachment_ids[0], query))
    _fuzz(target, signed_url, examples=3 * EXAMPLES)
    findings.assert_none(minimum=6 * EXAMPLES, reached=EXAMPLES)
