"""A day on the dashboard in a real Chromium: intake with the promised time, the late job found
from the home counter and reassigned, live updates, phone-sized pages, Korean only, axe."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from flask.testing import FlaskClient
from playwright.sync_api import Page, expect

from tests.browser.conftest import LiveServer, sign_in
from tests.conftest import Clock
from tests.factories import Personas, act, create_case, repair_body

# Words that may stay Latin on a Korean screen: codes, names of things, the language switch.
ALLOWED = {
    "AS", "AC", "SN", "English", "SLA", "KRW", "test", "local", "Telegram", "SMS", "Twilio",
    "receptionist", "repair", "manager", "service", "director",
    "air", "conditioner", "unit",  # the test product's name, data not interface
}  # fmt: skip
PAGES = ("/home", "/cases", "/cases/new", "/tasks", "/technicians", "/reports")


def _late_job(client: FlaskClient, people: Personas, clock: Clock) -> tuple[str, int, int]:
    people.product()
    kim = people.technician("김민수", phone="010-2000-0001")
    lee = people.technician("이서연", phone="010-2000-0002")
    case = create_case(client, people.headers("receptionist"), repair_body())
    clock.advance(hours=7)  # past the six working hours of the city deadline
    return case["number"], kim, lee


def _english_words(text: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    return {w for w in words if w not in ALLOWED and not w.isupper()}


def test_a_receptionist_sees_the_promised_time_before_saving_a_phone_call(
    page: Page, live_server: LiveServer, people: Personas
) -> None:
    people.product()
    sign_in(page, live_server, people, "receptionist")
    page.goto(live_server.url("/cases/new"))
    promise = page.locator("output#promise")
    expect(promise).to_contain_text("지역을 고르면")
    page.select_option("select[name='customer.zone']", "suburb")
    # The hint before a zone also names the promised time: wait for the time itself.
    expect(promise).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    page.fill("input[name='customer.name']", "홍길동")
    page.fill("input[name='customer.phone']", "010-3000-0009")
    page.fill("input[name='customer.address']", "경기도 수원시 팔달구 효원로 1")  # R4.5
    page.select_option("select[name='product.model']", "AC-1")
    page.fill("textarea[name='description']", "찬바람이 안 나와요")
    with page.expect_navigation():
        page.click("form.intake button[type=submit]")
    assert re.search(r"/cases/AS-\d{4}-\d{6}$", page.url)


def test_a_repair_manager_finds_the_late_job_from_home_and_reassigns_it_with_a_reason(
    page: Page, live_server: LiveServer, people: Personas, client: FlaskClient, clock: Clock
) -> None:
    number, kim, lee = _late_job(client, people, clock)
    sign_in(page, live_server, people, "repair_manager")
    page.goto(live_server.url("/home"))
    counter = page.locator("[data-counter=late]")
    expect(counter.locator(".number")).to_have_text("1")
    counter.locator("a").click()
    page.locator(f"a[href='/cases/{number}']").first.click()
    form = page.locator("form.action-assign")
    expect(form.locator(".tag.current")).to_have_count(1)
    other = form.locator("label.choice:not(:has(.tag.current)) input[type=radio]").first
    other.check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("[data-field=note]").first).to_be_visible()  # no reason: refused, said why
    form = page.locator("form.action-assign")
    form.locator("label.choice:not(:has(.tag.current)) input[type=radio]").first.check()
    form.locator("input[name=note]").fill("고객이 이 기사를 요청")
    form.locator("input[name=accept_later]").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("작업을 배정했습니다")


def test_the_case_page_shows_a_technician_action_without_a_reload(
    page: Page, live_server: LiveServer, people: Personas, client: FlaskClient
) -> None:
    people.product()
    people.technician("김민수", phone="010-2000-0001")
    case = create_case(client, people.headers("receptionist"), repair_body())
    technician = case["assigned_technician"]["id"]
    sign_in(page, live_server, people, "repair_manager")
    page.goto(live_server.url(f"/cases/{case['number']}"))
    expect(page.locator("h1 .status")).to_contain_text("배정")
    page.evaluate("window.notReloaded = true")
    act(client, people.technician_headers(technician), case["number"], "accept", {})
    expect(page.locator("h1 .status")).to_contain_text("수락", timeout=15_000)
    expect(page.locator("#history")).to_contain_text("작업을 수락했습니다", timeout=15_000)
    assert page.evaluate("window.notReloaded") is True


def _walk(
    page: Page, live_server: LiveServer, people: Personas, roles: tuple[str, ...], number: str
) -> dict[str, Any]:
    """Every main page of every role: (role, path) → (scroll width, English words)."""
    found: dict[str, Any] = {}
    for role in roles:
        page.context.clear_cookies()
        sign_in(page, live_server, people, role)
        for path in (*PAGES, f"/cases/{number}"):
            response = page.goto(live_server.url(path))
            assert response is not None
            if response.status in (403, 404):
                continue
            assert response.status == 200, (role, path, response.status)
            width = page.evaluate("document.documentElement.scrollWidth")
            words = _english_words(page.locator("body").inner_text())
            found[f"{role} {path}"] = (width, words)
    return found


def test_every_page_fits_a_390px_phone_and_speaks_only_korean(
    page: Page, live_server: LiveServer, people: Personas, client: FlaskClient, clock: Clock
) -> None:
    number, _, _ = _late_job(client, people, clock)
    page.set_viewport_size({"width": 390, "height": 844})
    roles = ("receptionist", "repair_manager")
    found = _walk(page, live_server, people, roles, number)
    assert len(found) >= 10
    too_wide = {key: width for key, (width, _) in found.items() if width > 390}
    assert too_wide == {}
    english = {key: words for key, (_, words) in found.items() if words}
    assert english == {}, english


def test_axe_finds_no_serious_violation_on_the_main_pages(
    page: Page, live_server: LiveServer, people: Personas, client: FlaskClient, clock: Clock
) -> None:
    number, _, _ = _late_job(client, people, clock)
    sign_in(page, live_server, people, "repair_manager")
    axe = Axe()
    serious: dict[str, list[str]] = {}
    for path in ("/home", "/cases", f"/cases/{number}", "/cases/new"):
        page.goto(live_server.url(path))
        results = axe.run(page)
        bad = [
            v["id"]
            for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")
        ]
        if bad:
            serious[path] = bad
    assert serious == {}
