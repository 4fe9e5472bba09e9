"""The browser harness itself: a real Chromium signs in and reads a dashboard page."""

from __future__ import annotations

from playwright.sync_api import Page

from tests.browser.conftest import LiveServer, sign_in
from tests.factories import Personas


def test_a_receptionist_signs_in_and_sees_the_case_list_in_korean(
    page: Page, live_server: LiveServer, people: Personas
) -> None:
    sign_in(page, live_server, people, "receptionist")
    assert page.url.startswith(live_server.url("/"))
    assert "/login" not in page.url
    assert page.locator("html").get_attribute("lang") == "ko"
    page.goto(live_server.url("/cases"))
    assert page.locator("table, main").count() > 0


def test_a_wrong_password_stays_on_the_login_page(page: Page, live_server: LiveServer) -> None:
    page.goto(live_server.url("/login"))
    page.fill("input[name=email]", "nobody@test.local")
    page.fill("input[name=password]", "wrong")
    page.click("form:has(input[name=password]) button[type=submit]")
    assert page.locator("input[name=password]").is_visible()
