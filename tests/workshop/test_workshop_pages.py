"""The workshop on the dashboard (R4.10, R4.12, R5.4, R6.1, R7.7): the board with promised dates
(late ones marked), the goods register, loaners with their forms, the take-in and return forms
on the case page, and the unit history linked from it; Korean by default."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from backend.db import Database
from tests.dashboard.conftest import Browser, text_of
from tests.factories import Personas, act
from tests.workshop.helpers import WORK, add_loaner, on_site


@pytest.fixture
def browser(client: FlaskClient, people: Personas, database: Database) -> Browser:
    return Browser(client, people, database)


def test_r4_10_r5_4_the_workshop_is_run_from_the_dashboard(
    browser: Browser, client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician()
    add_loaner(client, people, "LN-1")
    number = on_site(client, people)
    browser.login("repair_manager")
    page = browser.get(f"/cases/{number}")
    assert 'name="promised_return_on"' in page.text and 'name="loaner_serial"' in page.text
    taken = browser.post(
        f"/cases/{number}/actions/take_to_workshop",
        {
            "reason": "the technician phoned it in",
            "promised_return_on": "2026-11-24",  # yesterday: refused, named
        },
    )
    assert taken.status_code == 422 and 'data-field="promised_return_on"' in taken.text
    taken = browser.post(
        f"/cases/{number}/actions/take_to_workshop",
        {
            "reason": "the technician phoned it in",
            "promised_return_on": "2026-11-25",
            "transport": "on",
            "loaner_serial": "LN-1",
        },
    )
    assert taken.status_code == 302
    case = client.get(f"/api/v1/cases/{number}", headers=people.headers("repair_manager"))
    receipt = case.get_json()["workshop"]["receipt_number"]
    assert case.get_json()["workshop"]["transport"] is True

    browser.post("/logout")
    browser.login("warehouse_clerk")
    board = text_of(browser.get("/workshop").text)
    assert "작업장" in board and receipt in board and "2026-11-25" in board
    assert "LN-1" in board and "대여 중" in board
    act(client, people.headers("warehouse_clerk"), number, "finish_repair", WORK)
    failed = browser.post(f"/cases/{number}/actions/fail_inspection", {"reason": "소음"})
    assert failed.status_code == 302
    act(client, people.headers("warehouse_clerk"), number, "finish_repair", WORK)
    act(client, people.headers("repair_manager"), number, "inspect")
    wrong = browser.post(f"/cases/{number}/actions/return_item", {"receipt_number": "WR-1"})
    assert wrong.status_code == 422 and 'data-field="receipt_number"' in wrong.text
    back = browser.post(
        f"/cases/{number}/actions/return_item",
        {"receipt_number": receipt, "loaner_condition": "good"},
    )
    assert back.status_code == 302
    register = text_of(browser.get("/workshop?from=2026-11-25&to=2026-11-25").text)
    assert register.count(receipt) == 2 and "입고" in register and "출고" in register
    assert "대여 가능" in register  # the loaner is back
    added = browser.post("/workshop/loaners", {"serial_number": "LN-2", "model": "AC-1"})
    assert added.status_code == 302 and "LN-2" in browser.get("/workshop").text


def test_r6_1_the_case_page_links_the_unit_history(
    browser: Browser, client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician()
    first = on_site(client, people)
    second = on_site(client, people, phone="010-3000-0002")  # the same serial, SN-1
    browser.login("receptionist")
    page = browser.get(f"/cases/{second}")
    link = re.search(r'href="(/units/[^"]+)"', page.text)
    assert link is not None
    history = text_of(browser.get(link.group(1)).text)
    assert "제품 수리 이력" in history and first in history and second in history
    browser.post("/logout")
    browser.login("department_staff")
    assert browser.get(link.group(1)).status_code == 404
    browser.post("/logout")
    browser.login("receptionist")
    assert browser.get("/workshop").status_code == 403
