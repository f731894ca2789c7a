"""In a real browser: the editor changes items in place (no page reload), with no CSP violations."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import ROOT
from tests import factories
from tests.e2e.conftest import CHROMIUM
from tests.resumes.conftest import build_resume


@pytest.fixture
def served(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.mark.real_commits
def test_items_are_added_moved_and_removed_without_reloading(app, served):
    if not Path(CHROMIUM).is_file():
        if os.environ.get("MEDPATH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"no Chromium at {CHROMIUM}", pytrace=False)
        pytest.skip(f"no Chromium at {CHROMIUM}")
    user = factories.make_user(app, role="student", display_name="Li Hua")
    student = factories.attach_student(app, user)
    with app.app_context():
        rid = build_resume(student.id)
    run = subprocess.run(
        [sys.executable, "-m", "tests.resumes.browser_script", served, user.username, factories.PASSWORD, str(rid)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["not_reloaded"] is True
    assert seen["skills"] == ["心肺复苏"]
    assert [m for m in seen["messages"] if "Content Security Policy" in m or "Refused to" in m] == []
