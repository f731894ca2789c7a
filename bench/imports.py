"""The roster-import budget: a roster of N new students uploaded, checked and confirmed through the
portal's own pages (in-process, as the office's administrator), timed against 10 s."""
from __future__ import annotations

import io
import sys
import time
from pathlib import Path

import signin
from pages import ACCOUNTS, PASSWORD

BUDGET_S = 10.0


def time_roster(app, rows: int) -> tuple[float, float]:
    """Seconds to upload and check, and seconds to confirm; refuses to report an import that failed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    from tests.fixtures import import_files as files

    client = app.test_client()
    signin.test_client(client, ACCOUNTS["admin"], PASSWORD)
    page = client.get("/admin/imports/")
    # production settings: forms carry the CSRF token, and over https the referrer is checked too
    token = signin.csrf_token(page.get_data(as_text=True))
    referer = {"Referer": page.request.url}
    data = files.xlsx_like_excel(files.ROSTER_HEADERS_ZH, files.roster(rows))
    boundary, body = encode_multipart({"roster-csrf_token": token,
                                       "roster-file": FileStorage(io.BytesIO(data), filename="roster.xlsx")})
    start = time.perf_counter()
    uploaded = client.post("/admin/imports/roster", data=body, headers=referer,
                           content_type=f"multipart/form-data; boundary={boundary}")
    checked = time.perf_counter() - start
    if uploaded.status_code != 303:
        raise RuntimeError(f"the roster upload answered {uploaded.status_code}")
    preview = uploaded.location.rsplit("/", 1)[1]
    start = time.perf_counter()
    done = client.post(f"/admin/imports/preview/{preview}/confirm", data={"csrf_token": token},
                       headers={"Accept-Language": "en", **referer})
    confirmed = time.perf_counter() - start
    if done.status_code not in (302, 303):
        raise RuntimeError(f"confirming the roster answered {done.status_code}")
    summary = client.get(done.location, headers={"Accept-Language": "en"}).get_data(as_text=True)
    if f"{rows} created" not in summary:
        raise RuntimeError(f"the roster import did not report {rows} students created")
    return checked, confirmed
