"""A real browser against the app served on 127.0.0.1: Playwright driving Debian's Chromium.

Browsers cannot be downloaded here, so Playwright launches the system's `chromium`
(`./scripts/test` installs it with apt-get when it is missing and it can). Without a Chromium
these tests are skipped with a message rather than failing on a machine that cannot have one.
The pages do not depend on the database engine, so the browser tests run in the SQLite pass only.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import BaseWSGIServer, make_server

from tests.factories import Personas

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
PASSWORD = "pw"  # the personas' password (tests/factories.py)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """One Chromium per test module (each test gets its own context). Not for the whole run:
    Playwright's sync API keeps an event loop running in this thread while it lives, and the
    Telegram transport of later tests needs to run its own."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("browser tests run in the SQLite pass only")
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium fonts-nanum)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class LiveServer:
    """The app on a real port; `url("/cases")` is an address the browser can open."""

    base_url: str

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture
def live_server(app: Flask) -> Iterator[LiveServer]:
    """The test's `app` (its database, settings and clock) served by a threaded WSGI server."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)


@pytest.fixture
def page(chromium: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser page (own cookies), desktop-sized, Korean by default like the product."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, live_server: LiveServer, people: Personas, role: str) -> None:
    """Sign in to the dashboard as the persona of `role` through the login form."""
    people.token(role)  # creates `{role}@test.local` with the personas' password
    page.goto(live_server.url("/login"))
    page.fill("input[name=email]", f"{role}@test.local")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("form:has(input[name=password]) button[type=submit]")
