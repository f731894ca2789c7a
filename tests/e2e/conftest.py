"""Browser fixtures: the test app on a real port, one Chromium per run, fresh pages per test."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("MEDPATH_CHROMIUM", "/usr/bin/chromium")
# Playwright's own browser download does not work here; drive the system's Chromium instead.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 5_000

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture(scope="session")
def live_server(app):
    """The base URL of the app served from a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="medpath-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        reason = f"no Chromium at {CHROMIUM} (set MEDPATH_CHROMIUM to its path)"
        if os.environ.get("MEDPATH_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; MEDPATH_REQUIRE_BROWSER=1 forbids skipping the browser tests", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def console_messages():
    """Every console message of every page the test opens, as 'type: text'."""
    return []


@pytest.fixture
def new_page(browser, live_server, console_messages):
    """new_page(locale="en-US") → a page in its own browser context (own cookies, own language)."""
    contexts = []

    def make(locale: str = "en-US"):
        context = browser.new_context(base_url=live_server, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", lambda message: console_messages.append(f"{message.type}: {message.text}"))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
