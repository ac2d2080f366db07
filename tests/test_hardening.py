"""Issue 13's lower items that the app itself settles: what a history-off session may see of attachments, ``/docs``
only on request (it loads a CDN), and a 500 that leaves the connection open."""

from __future__ import annotations

import http.client
import sqlite3
from urllib.parse import urlparse

import httpx

from chatkit_host.server.store.urls import sqlite_file
from tests.support.runtime import ATTACHMENT, Runtime
from tests.support.servers import MakeServer, RunningServer

UPLOADS_ON = {"file_upload": {"enabled": True}}


def test_a_history_off_session_cannot_reach_attachments_of_hidden_threads(server: RunningServer) -> None:
    owner = Runtime.for_user(server, "erin", chatkit_configuration=UPLOADS_ON)
    response = owner.http.post("/chatkit/upload", files={"file": ("n.txt", b"notes", "text/plain")})
    attachment = ATTACHMENT.validate_python(response.json()).id
    thread_id, _ = owner.create_thread("see notes", attachments=[attachment])

    config = {**UPLOADS_ON, "history": {"enabled": False}}
    private = Runtime.for_user(server, "erin", chatkit_configuration=config)
    assert private.error("threads.get_by_id", 404, thread_id=thread_id)["code"] == "thread_not_found"
    content = private.http.get(f"/chatkit/attachments/{attachment}/content")
    assert content.status_code == 404 and content.json()["error"]["code"] == "attachment_not_found"
    assert private.error("attachments.delete", 404, attachment_id=attachment)["code"] == "attachment_not_found"

    # Its own thread's attachments it reaches; the owner still reaches hers, which the refused delete left alone.
    mine = private.http.post("/chatkit/upload", files={"file": ("m.txt", b"mine", "text/plain")})
    own = ATTACHMENT.validate_python(mine.json()).id
    private.create_thread("mine", attachments=[own])
    assert private.http.get(f"/chatkit/attachments/{own}/content").content == b"mine"
    assert owner.http.get(f"/chatkit/attachments/{attachment}/content").content == b"notes"


def test_docs_only_when_asked_for(make_server: MakeServer) -> None:
    default = make_server()
    assert httpx.get(f"{default.base_url}/docs").status_code == 404
    assert httpx.get(f"{default.base_url}/openapi.json").status_code == 200
    with_docs = make_server(api_docs=True)
    page = httpx.get(f"{with_docs.base_url}/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text


def test_a_500_keeps_the_connection_open(sqlite_server: RunningServer) -> None:
    """A real failure (a table gone from under the server), on the hot lane and on an ordinary route."""
    with sqlite3.connect(sqlite_file(sqlite_server.settings.resolved_database_url)) as db:
        db.execute("DROP TABLE feedback")
        db.execute("ALTER TABLE threads RENAME TO threads_gone")
    url = urlparse(sqlite_server.base_url)
    conn = http.client.HTTPConnection(url.hostname or "", url.port, timeout=30)
    headers = {"Authorization": f"Bearer {sqlite_server.admin_key}"}
    try:
        paths = ["/v1/chatkit/threads", "/v1/chatkit/threads/cthr_01M8SMPK4R4B212FR0KY36PDRA", "/healthz"] * 2
        first_socket = None
        for path in paths:
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if path == "/healthz":
                assert response.status == 200
            else:
                assert response.status == 500, (path, body)
                assert b'"type":"server_error"' in body.replace(b" ", b"")
                assert response.getheader("connection") != "close"
            first_socket = first_socket or conn.sock
            assert conn.sock is first_socket  # one connection throughout: the server never closed it
    finally:
        conn.close()
