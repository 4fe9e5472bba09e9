"""Running a day from the dashboard: home counters, the list's filters and saved views, the
assignment picker, internal notes, zone at intake, error pages, history in the reader's words."""

from __future__ import annotations

import re

from sqlalchemy import select

from backend.db import Database
from backend.duties import sla_breaches
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of
from tests.factories import complaint_body, create_case, repair_body


def _numbers(page: str) -> list[str]:
    return re.findall(r'href="/cases/(AS-\d{4}-\d{6})"', page)


def _late_and_fresh(browser: Browser, clock: Clock) -> tuple[str, str]:
    people = browser.people
    people.product()
    people.technician("김민수", phone="010-2000-0001")
    headers = people.headers("receptionist")
    late = create_case(browser.client, headers, repair_body(phone="010-3000-0001"))
    clock.advance(hours=7)
    fresh = create_case(browser.client, headers, repair_body(phone="010-3000-0002", serial="XY-77"))
    return late["number"], fresh["number"]


def test_home_counts_late_jobs_and_links_to_the_filtered_list(
    browser: Browser, clock: Clock
) -> None:
    late, fresh = _late_and_fresh(browser, clock)
    browser.login("repair_manager")
    home = browser.get("/home").text
    counter = re.search(
        r'data-counter="late">\s*<a href="([^"]+)"><span class="number">(\d+)', home
    )
    assert counter is not None and counter.group(2) == "1"
    assert _numbers(browser.get(counter.group(1).replace("&amp;", "&")).text) == [late]


def test_r7_9_a_breach_is_a_task_for_the_repair_manager_too(
    browser: Browser, clock: Clock, database: Database, settings: Settings
) -> None:
    _late_and_fresh(browser, clock)
    with database.session() as session:
        sla_breaches(session, settings, clock())
        session.commit()
        roles = {t.role for t in session.scalars(select(Task).where(Task.kind == "sla_breach"))}
    assert roles == {"service_director", "repair_manager"}


def test_list_sorts_by_deadline_and_finds_by_phone_serial_and_words(
    browser: Browser, clock: Clock
) -> None:
    late, fresh = _late_and_fresh(browser, clock)
    browser.login("repair_manager")
    assert _numbers(browser.get("/cases?sort=deadline").text)[:2] == [late, fresh]
    assert _numbers(browser.get("/cases").text)[:2] == [fresh, late]  # newest first
    assert _numbers(browser.get("/cases?q=010 3000 0002").text) == [fresh]
    assert _numbers(browser.get("/cases?q=%2B82-10-3000-0001").text) == [late]
    assert _numbers(browser.get("/cases?q=XY-77").text) == [fresh]
    assert set(_numbers(browser.get("/cases?q=찬바람이 나와요").text)) == {late, fresh}
    assert _numbers(browser.get("/cases?unassigned=1").text) == []
    assert _numbers(browser.get("/cases?per_page=10&zone=suburb").text) == []


def test_a_saved_view_belongs_to_its_user(browser: Browser, clock: Clock) -> None:
    late, _ = _late_and_fresh(browser, clock)
    browser.login("repair_manager")
    response = browser.post("/cases/views", {"name": "늦은 작업", "late": "1", "sort": "deadline"})
    assert response.status_code == 302
    page = browser.get("/cases").text
    link = re.search(r'<a href="(/cases\?[^"]+)">늦은 작업</a>', page)
    assert link is not None
    assert _numbers(browser.get(link.group(1).replace("&amp;", "&")).text) == [late]
    browser.post("/logout")
    browser.login("service_director")
    assert "늦은 작업" not in browser.get("/cases").text


def test_manual_assignment_needs_a_reason_and_shows_arrivals(
    browser: Browser, clock: Clock
) -> None:
    browser.people.product()
    browser.people.technician("김민수", phone="010-2000-0001")
    other = browser.people.technician("이서연", phone="010-2000-0002")
    case = create_case(browser.client, browser.people.headers(), repair_body())
    browser.login("repair_manager")
    page = browser.get(f"/cases/{case['number']}").text
    assert "tag current" in page and "tag best" in page
    assert "도착 예정" in text_of(page)
    refused = browser.post(f"/cases/{case['number']}/actions/assign", {"technician_id": str(other)})
    assert refused.status_code == 422 and 'data-field="note"' in refused.text


def test_repair_intake_requires_the_zone_and_previews_the_promise(browser: Browser) -> None:
    browser.people.product()
    browser.login("receptionist")
    form = {"kind": "repair", "channel": "phone", "customer.name": "홍길동"}
    response = browser.post("/cases/new", {**form, "customer.phone": "010-3000-0001"})
    assert response.status_code == 422 and 'data-field="customer.zone"' in response.text
    preview = browser.get("/cases/new/promise?zone=city&reported_at=2026-11-20T09:00").text
    assert "2026-11-20 15:00" in preview


def test_internal_notes_keep_author_and_time(browser: Browser) -> None:
    browser.people.product()
    case = create_case(browser.client, browser.people.headers(), complaint_body())
    browser.login("service_director")
    assert browser.post(f"/cases/{case['number']}/notes", {"text": "  "}).status_code == 302
    browser.post(f"/cases/{case['number']}/notes", {"text": "고객에게 내일 다시 전화"})
    page = text_of(browser.get(f"/cases/{case['number']}").text)
    assert "고객에게 내일 다시 전화" in page and "service_director" in page


def test_dashboard_errors_are_pages_in_korean_and_the_api_keeps_json(browser: Browser) -> None:
    browser.login("receptionist")
    page = browser.get("/no-such-page")
    assert page.status_code == 404 and "없는 페이지입니다" in page.text
    assert browser.get("/api/v1/no-such").content_type.startswith("application/json")


def test_history_reads_as_sentences_without_codes_or_policy_numbers(
    browser: Browser, clock: Clock
) -> None:
    late, _ = _late_and_fresh(browser, clock)
    browser.login("repair_manager")
    text = text_of(browser.get(f"/cases/{late}").text)
    assert "님이 접수했습니다" in text
    assert "technician_id" not in text and "manual=" not in text
    assert not re.search(r"\bR\d+\.\d+", text)


def test_a_customer_is_found_by_phone_and_their_page_shows_cases_units_and_calls(
    browser: Browser,
) -> None:
    browser.people.product()
    browser.people.technician()
    case = create_case(browser.client, browser.people.headers(), repair_body(phone="010-3000-0002"))
    browser.login("receptionist")
    found = browser.get("/customers?q=+82 10-3000-0002")
    assert found.status_code == 200
    link = re.search(r'href="(/customers/\d+)"', found.text)
    assert link, "the search lists the customer with a link to their page"
    page = text_of(browser.get(link.group(1)).text)
    assert case["number"] in page and "SN-1" in page and "+821030000002" in page
    # The case page leads to the same customer page.
    assert link.group(1) in browser.get(f"/cases/{case['number']}").text
    assert "해당하는 고객이 없습니다" in browser.get("/customers?q=없는사람").text
    browser.post("/logout")
    browser.login("warehouse_clerk")
    assert browser.get(link.group(1)).status_code == 403
