"""The case list (filters, paging, SLA marks), the case page, and actions taken from it."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from tests.conftest import Clock
from tests.dashboard.conftest import Browser, text_of
from tests.factories import (
    FOR_THE_TECHNICIAN,
    act,
    complaint_body,
    consent_first,
    create_case,
    repair_body,
)


def _numbers(page: str) -> list[str]:
    return re.findall(r'href="/cases/(AS-\d{4}-\d{6})"', page)


def test_case_list_filters_by_status_kind_channel_technician_and_text(
    browser: Browser, clock: Clock
) -> None:
    people = browser.people
    people.product()
    kim = people.technician("김민수", phone="010-2000-0001")
    lee = people.technician("이서연", phone="010-2000-0002")
    headers = people.headers("receptionist")
    manager = people.headers("repair_manager")
    repair = create_case(browser.client, headers, repair_body(phone="010-3000-0001"))
    act(browser.client, manager, repair["number"], "assign", {"technician_id": lee})
    clock.advance(minutes=5)
    other = create_case(
        browser.client,
        headers,
        repair_body(
            phone="010-3000-0002",
            channel="visit",
            customer={
                "name": "Jane Park",
                "phone": "010-3000-0002",
                "address": "서울 종로구 세종로 1",  # R4.5: a repair needs an address
                "zone": "city",
            },
        ),
    )
    act(browser.client, manager, other["number"], "assign", {"technician_id": kim})
    clock.advance(minutes=5)
    complaint = create_case(browser.client, headers, complaint_body())
    browser.login("repair_manager")

    assert _numbers(browser.get("/cases").text) == [
        complaint["number"],
        other["number"],
        repair["number"],
    ]  # newest first
    assert _numbers(browser.get("/cases?kind=complaint").text) == [complaint["number"]]
    assert _numbers(browser.get("/cases?channel=visit").text) == [other["number"]]
    assert _numbers(browser.get("/cases?status=routed").text) == [complaint["number"]]
    assert _numbers(browser.get(f"/cases?technician_id={lee}").text) == [repair["number"]]
    assert _numbers(browser.get("/cases?q=jane").text) == [other["number"]]
    assert _numbers(browser.get(f"/cases?q={repair['number'][-4:]}").text) == [repair["number"]]
    assert _numbers(browser.get("/cases?q=%25").text) == []  # a LIKE wildcard is literal


def test_case_list_pages_twenty_at_a_time(browser: Browser, clock: Clock) -> None:
    browser.people.product()
    headers = browser.people.headers("receptionist")
    numbers = []
    for index in range(23):
        clock.advance(minutes=1)
        numbers.append(
            create_case(browser.client, headers, complaint_body(phone=f"010-3100-{index:04d}"))[
                "number"
            ]
        )
    browser.login("receptionist")
    first, second = browser.get("/cases"), browser.get("/cases?page=2")
    assert _numbers(first.text) == numbers[::-1][:20]
    assert _numbers(second.text) == numbers[::-1][20:]
    assert "23" in text_of(first.text)
    assert _numbers(browser.get("/cases?page=99").text) == numbers[::-1][20:]  # last page


def test_late_repair_is_marked_red_with_no_time_left(browser: Browser, clock: Clock) -> None:
    browser.people.product()
    browser.people.technician()
    case = create_case(browser.client, browser.people.headers(), repair_body())
    browser.login("repair_manager")
    page = browser.get("/cases").text
    assert "sla-ok" in page
    assert "6h 0m" in text_of(page) or "6시간 0분" in text_of(page)
    clock.advance(hours=5)  # 15:00, 80 % of the six working hours gone: warned
    assert "sla-warned" in browser.get("/cases").text
    clock.advance(hours=2)  # 17:00, deadline 16:00 passed
    page = browser.get("/cases").text
    assert "sla-late" in page and 'class="alarm"' in page
    assert case["number"] in page


def test_case_page_shows_history_with_names_and_the_assignment_explanation(
    browser: Browser,
) -> None:
    browser.people.product()
    browser.people.technician("김민수", phone="010-2000-0001")
    case = create_case(browser.client, browser.people.headers("receptionist"), repair_body())
    browser.login("repair_manager")
    page = browser.get(f"/cases/{case['number']}")
    assert page.status_code == 200
    text = text_of(page.text)
    assert "홍길동" in text and "+821030000001" in text and "AC-1" in text
    assert "찬바람이 안 나와요" in text
    explanation = [e for e in case["events"] if e["action"] == "assign"][0]["note"]
    assert explanation and explanation in text
    assert 'class="explanation"' in page.text
    assert "receptionist" in text  # who registered it (the user's name), not "user:1"
    assert "user:" not in text


def test_assign_by_hand_then_accept_from_the_page_changes_the_case(
    browser: Browser, database: Database
) -> None:
    browser.people.product()
    kim = browser.people.technician("김민수", phone="010-2000-0001")
    lee = browser.people.technician("이서연", phone="010-2000-0002")
    case = create_case(browser.client, browser.people.headers(), repair_body())
    browser.login("repair_manager")
    number = case["number"]
    chosen = lee if case["assigned_technician"]["id"] == kim else kim
    response = browser.post(
        f"/cases/{number}/actions/assign",
        {"technician_id": str(chosen), "note": "knows this customer"},
    )
    assert response.status_code == 302
    accepted = browser.post(f"/cases/{number}/actions/accept", {"reason": "phoned in"})
    assert accepted.status_code == 302
    with database.session() as session:
        stored = session.scalar(select(Case).where(Case.number == number))
        assert stored is not None
        assert stored.assigned_technician_id == chosen and stored.status == "accepted"
        assert [e.channel for e in stored.events][-1] == "web"
    page = browser.get(f"/cases/{number}").text
    assert page.count('class="event-assign"') == 2  # the automatic one, then the manager's
    assert "action-depart" in page and "action-accept" not in page  # what is allowed now


def test_resolve_with_parts_shows_the_charges(browser: Browser, clock: Clock) -> None:
    browser.people.product(parts=[("COMP", 120, 300_000), ("FAN", 1, 80_000)])
    browser.people.technician()
    case = create_case(
        browser.client, browser.people.headers(), repair_body(purchased_on=date(2025, 1, 10))
    )  # the fan's own 1-month warranty is long over (R4.1)
    number = case["number"]
    browser.login("repair_manager")
    for action in ("accept", "arrive"):
        response = browser.post(f"/cases/{number}/actions/{action}", {"reason": "phoned in"})
        assert response.status_code == 302
    work = {"parts": [{"code": "COMP", "quantity": 1}, {"code": "FAN", "quantity": 2}]}
    manager = browser.people.headers("repair_manager")  # R4.11 the customer agreed by phone
    consent_first(browser.client, manager, number, {**work, "hours": 1.5, **FOR_THE_TECHNICIAN})
    response = browser.post(
        f"/cases/{number}/actions/resolve",
        {"part:COMP": "1", "part:FAN": "2", "hours": "1.5", "reason": "phoned in"},
    )
    assert response.status_code == 302
    text = text_of(browser.get(f"/cases/{number}").text)
    assert "160,000" in text  # two fans charged, the compressor free


def test_a_bad_value_shows_the_form_again_with_the_error_beside_the_field(browser: Browser) -> None:
    browser.people.product()
    browser.people.technician()
    number = create_case(browser.client, browser.people.headers(), repair_body())["number"]
    browser.login("repair_manager")
    for action in ("accept", "arrive"):
        browser.post(f"/cases/{number}/actions/{action}", {"reason": "phoned in"})
    response = browser.post(f"/cases/{number}/actions/resolve", {"hours": "lots", "part:COMP": "x"})
    assert response.status_code == 422
    assert 'data-field="hours"' in response.text and 'data-field="part:COMP"' in response.text
    response = browser.post(f"/cases/{number}/actions/resolve", {"hours": "500"})
    assert response.status_code == 422 and 'data-field="hours"' in response.text
    response = browser.post(f"/cases/{number}/actions/return_item")  # not while on site
    assert response.status_code == 409 and 'data-field="form"' in response.text


def test_complaint_is_answered_from_the_page(browser: Browser, database: Database) -> None:
    case = create_case(browser.client, browser.people.headers(), complaint_body())
    browser.login("hotline_officer")
    number = case["number"]
    assert browser.post(f"/cases/{number}/actions/answer", {"answer": " "}).status_code == 422
    response = browser.post(f"/cases/{number}/actions/answer", {"answer": "교체해 드리겠습니다."})
    assert response.status_code == 302
    with database.session() as session:
        stored = session.scalar(select(Case).where(Case.number == number))
        assert stored is not None and stored.status == "answered"


def test_unknown_case_or_action_is_a_page_not_a_crash(browser: Browser) -> None:
    browser.login("receptionist")
    assert browser.get("/cases/AS-2026-999999").status_code == 404
    assert browser.post("/cases/AS-2026-999999/actions/assign").status_code == 404
    assert browser.post("/cases/AS-2026-999999/actions/fly").status_code == 404
