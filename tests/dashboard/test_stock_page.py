"""The warehouse page (R5.1–R5.3): the clerk records moves and sets reorder points with CSRF
forms, in Korean or English; a technician sees their own van only; others get 403."""

from __future__ import annotations

from backend.db import Database
from backend.stock.service import quantity_on_hand
from tests.dashboard.conftest import Browser, text_of


def test_the_clerk_records_a_move_and_a_reorder_point_on_the_page(
    browser: Browser, database: Database
) -> None:
    browser.people.product(stock=0)
    browser.login("warehouse_clerk")
    page = browser.get("/stock")
    assert page.status_code == 200 and "입출고 기록" in page.text  # Korean by default
    answer = browser.post(
        "/stock/moves",
        {
            "part_code": "FAN",
            "from": "supplier",
            "to": "central",
            "quantity": "4",
            "reason": "PO-7",
        },
    )
    assert answer.status_code == 302
    refused = browser.post(
        "/stock/moves",
        {"part_code": "FAN", "from": "central", "to": "workshop", "quantity": "9", "reason": "x"},
    )
    assert "기록되지 않았습니다" in browser.get(refused.headers["Location"]).text
    browser.post(
        "/stock/reorder-points",
        {"part_code": "FAN", "location": "central", "reorder_point": "5", "reorder_quantity": "10"},
    )
    with database.session() as session:
        assert quantity_on_hand(session, "FAN", "central") == 4
    text = text_of(browser.get("/stock?location=central").text)
    assert "FAN 중앙 창고 4" in text and "재주문 목록" in text and "구매 입고" in text


def test_a_technician_sees_their_van_and_no_other_location(browser: Browser) -> None:
    browser.people.product()
    technician = browser.people.technician()
    browser.link_technician(technician)
    browser.login("technician")
    assert "FAN 김민수 기사 차량 20" in text_of(browser.get("/stock").text)
    assert browser.get("/stock?location=central").status_code == 403
    assert browser.post("/stock/moves", {"part_code": "FAN"}).status_code == 403


def test_a_receptionist_has_no_stock_page(browser: Browser) -> None:
    browser.login("receptionist")
    assert browser.get("/stock").status_code == 403
