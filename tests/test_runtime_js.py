"""The JavaScript fetch helper, run by node against the real server, as the server serves it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support.servers import RunningServer
from tests.support.services import IN_CI

SCRIPT = Path(__file__).parent / "js" / "fetch_helper.mjs"


def test_fetch_helper_adds_the_secret_and_refreshes_an_expired_one(
    sqlite_server: RunningServer, tmp_path: Path
) -> None:
    node = shutil.which("node")
    if node is None:
        if IN_CI:
            pytest.fail("node is required in CI for the JavaScript helper test")
        pytest.skip("node is not installed")
    served = sqlite_server.client().get("/static/chatkit-host-fetch.js")
    assert served.status_code == 200 and "javascript" in served.headers["content-type"]
    module = tmp_path / "chatkit-host-fetch.mjs"
    module.write_bytes(served.content)
    env = os.environ | {"BASE_URL": sqlite_server.base_url, "ADMIN_KEY": sqlite_server.admin_key}
    result = subprocess.run([node, str(SCRIPT), str(module)], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"ok": True, "refreshes": 1}
