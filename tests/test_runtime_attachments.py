"""Attachments: both upload strategies, per-session limits on the bytes received, owner-only access."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlparse

import httpx

from chatkit_host.server.settings import Settings
from tests.support.runtime import ATTACHMENT, Runtime, text_input
from tests.support.servers import RunningServer
from tests.support.storage import stored_sizes

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
UPLOADS_ON = {"chatkit_configuration": {"file_upload": {"enabled": True}}}


def _files(settings: Settings) -> list[int | None]:
    # Sizes of the stored files, whichever storage the backend uses by default (PostgreSQL's is the database).
    return stored_sizes(settings)


def _two_phase(rt: Runtime, name: str, data: bytes, mime: str = "image/png") -> dict[str, Any]:
    created = rt.json("attachments.create", name=name, size=len(data), mime_type=mime)
    attachment = ATTACHMENT.validate_python(created)
    descriptor = attachment.upload_descriptor
    assert descriptor is not None and descriptor.method == "POST"
    # The browser uploads to the descriptor's URL with nothing but the headers it names.
    response = httpx.post(str(descriptor.url), headers=descriptor.headers, files={"file": (name, data, mime)})
    assert response.status_code == 200, response.text
    uploaded: dict[str, Any] = response.json()
    ATTACHMENT.validate_python(uploaded)
    return uploaded


def test_two_phase_upload_preview_message_and_thread_delete(server: RunningServer) -> None:
    rt = Runtime.for_user(server, "erin", **UPLOADS_ON)
    uploaded = _two_phase(rt, "cat.png", PNG)
    assert uploaded["type"] == "image" and "upload_descriptor" not in uploaded
    preview = httpx.get(uploaded["preview_url"])  # as an <img src>: no Authorization header
    assert preview.status_code == 200 and preview.content == PNG
    assert preview.headers["content-type"] == "image/png"
    assert len(_files(server.settings)) == 1

    thread_id, events = rt.create_thread("look at this", attachments=[uploaded["id"]])
    sent = events[1].item.attachments
    assert [a.id for a in sent] == [uploaded["id"]] and sent[0].thread_id == thread_id
    items = server.openai().beta.chatkit.threads.list_items(thread_id, order="asc")
    first = next(iter(items))
    assert first.attachments[0].id == uploaded["id"] and first.attachments[0].type == "image"

    # A later session of the same user gets preview URLs signed for itself.
    later = Runtime.for_user(server, "erin")
    thread = later.json("threads.get_by_id", thread_id=thread_id)
    fresh_url = thread["items"]["data"][0]["attachments"][0]["preview_url"]
    assert later.session["id"] in fresh_url and httpx.get(fresh_url).content == PNG

    # The attachment cannot be reused in another thread.
    other, _ = rt.create_thread("another")
    error = rt.error("threads.add_user_message", 404, thread_id=other, input=text_input("x", [uploaded["id"]]))
    assert error["code"] == "attachment_not_found"

    assert rt.json("threads.delete", thread_id=thread_id) == {}
    assert _files(server.settings) == []
    assert httpx.get(fresh_url).status_code == 404


def test_direct_upload_and_delete(server: RunningServer) -> None:
    rt = Runtime.for_user(server, **UPLOADS_ON)
    response = rt.http.post("/chatkit/upload", files={"file": ("notes.txt", b"some notes", "text/plain")})
    assert response.status_code == 200, response.text
    attachment = ATTACHMENT.validate_python(response.json())
    assert attachment.type == "file" and attachment.name == "notes.txt" and attachment.mime_type == "text/plain"
    download = rt.http.get(f"/chatkit/attachments/{attachment.id}/content")
    assert download.content == b"some notes" and download.headers["content-disposition"] == "attachment"
    assert rt.json("attachments.delete", attachment_id=attachment.id) == {}
    assert _files(server.settings) == []
    assert rt.error("attachments.delete", 404, attachment_id=attachment.id)["code"] == "attachment_not_found"


def test_uploads_disabled_are_refused(sqlite_server: RunningServer) -> None:
    rt = Runtime.for_user(sqlite_server)
    error = rt.error("attachments.create", 403, name="a.txt", size=3, mime_type="text/plain")
    assert error["code"] == "chatkit.file_upload_disabled"
    response = rt.http.post("/chatkit/upload", files={"file": ("a.txt", b"abc", "text/plain")})
    assert response.status_code == 403 and response.json()["error"]["code"] == "chatkit.file_upload_disabled"
    assert _files(sqlite_server.settings) == []


def test_oversized_uploads_are_refused_and_leave_nothing(server: RunningServer) -> None:
    config = {"chatkit_configuration": {"file_upload": {"enabled": True, "max_file_size": 1}}}
    rt = Runtime.for_user(server, **config)
    too_big = b"x" * (1024 * 1024 + 1)
    # Declared honestly: refused at create.
    error = rt.error("attachments.create", 413, name="big.bin", size=len(too_big), mime_type="application/zip")
    assert error["code"] == "chatkit.file_too_large"
    # Declared small, sent big: refused on the bytes received, as raw body and as multipart.
    created = rt.json("attachments.create", name="liar.bin", size=10, mime_type="application/octet-stream")
    url = created["upload_descriptor"]["url"]

    def chunks() -> Any:
        for start in range(0, len(too_big), 65536):
            yield too_big[start : start + 65536]

    raw = httpx.put(url, content=chunks())  # chunked: no Content-Length to refuse early
    assert raw.status_code == 413 and raw.json()["error"]["code"] == "chatkit.file_too_large"
    multipart = httpx.post(url, files={"file": ("liar.bin", too_big, "application/octet-stream")})
    assert multipart.status_code == 413
    direct = rt.http.post("/chatkit/upload", files={"file": ("big.bin", too_big, "application/octet-stream")})
    assert direct.status_code == 413
    assert _files(server.settings) == []
    # The attachment still has no bytes, so a message cannot use it.
    error = rt.error("threads.create", 400, input=text_input("x", [created["id"]]))
    assert error["code"] == "attachment_not_uploaded"
    # Exactly the limit is fine.
    ok = httpx.put(url, content=b"y" * (1024 * 1024))
    assert ok.status_code == 200, ok.text
    assert _files(server.settings) == [1024 * 1024]


def test_chunked_multipart_without_length_is_cut_off(sqlite_server: RunningServer) -> None:
    """2 MiB sent with no Content-Length, then the client waits: the server must answer without the rest."""
    config = {"chatkit_configuration": {"file_upload": {"enabled": True, "max_file_size": 1}}}
    rt = Runtime.for_user(sqlite_server, **config)
    boundary = "chatkit-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    address = urlparse(sqlite_server.base_url)
    with socket.create_connection((address.hostname, address.port), timeout=15) as sock:
        request = (
            "POST /chatkit/upload HTTP/1.1\r\n"
            f"Host: {address.netloc}\r\nAuthorization: Bearer {rt.secret}\r\n"
            f"Content-Type: multipart/form-data; boundary={boundary}\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        chunks = [head] + [b"z" * 65536] * 32
        request += b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks)
        sock.sendall(request)
        # No terminating chunk: a server that spools the whole body first would wait here forever.
        answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"chatkit.file_too_large" in answer
    assert _files(sqlite_server.settings) == []


def test_max_files_per_session(sqlite_server: RunningServer) -> None:
    config = {"chatkit_configuration": {"file_upload": {"enabled": True, "max_files": 2}}}
    rt = Runtime.for_user(sqlite_server, **config)
    _two_phase(rt, "one.png", PNG)
    assert rt.http.post("/chatkit/upload", files={"file": ("two.txt", b"2", "text/plain")}).status_code == 200
    error = rt.error("attachments.create", 400, name="three.png", size=3, mime_type="image/png")
    assert error["code"] == "chatkit.max_files_exceeded"
    third = rt.http.post("/chatkit/upload", files={"file": ("three.txt", b"3", "text/plain")})
    assert third.status_code == 400 and third.json()["error"]["code"] == "chatkit.max_files_exceeded"


def test_another_users_attachment_does_not_exist_for_them(server: RunningServer) -> None:
    alice = Runtime.for_user(server, "alice", **UPLOADS_ON)
    bob = Runtime.for_user(server, "bob", **UPLOADS_ON)
    uploaded = _two_phase(alice, "secret.png", PNG)
    attachment_id = uploaded["id"]
    assert bob.error("attachments.delete", 404, attachment_id=attachment_id)["code"] == "attachment_not_found"
    assert bob.http.get(f"/chatkit/attachments/{attachment_id}/content").status_code == 404
    assert bob.error("threads.create", 404, input=text_input("mine now", [attachment_id]))["code"] == (
        "attachment_not_found"
    )
    # A signature made for alice's session is worthless with bob's session id, and vice versa.
    forged = uploaded["preview_url"].replace(alice.session["id"], bob.session["id"])
    assert httpx.get(forged).status_code == 401
    assert httpx.get(uploaded["preview_url"].split("&sig=")[0] + "&sig=00").status_code == 401
    # The real URL stops working once alice's session is cancelled.
    assert httpx.get(uploaded["preview_url"]).status_code == 200
    server.admin().post(f"/v1/chatkit/sessions/{alice.session['id']}/cancel")
    assert httpx.get(uploaded["preview_url"]).status_code == 401
