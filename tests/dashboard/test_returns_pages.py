"""The dashboard's returns list, a return's page and its workflow forms, the report's return
causes (R3.3–R3.5, R2.11), key customers (R9.6), and the intake form's address (R4.5)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from backend.db import Database
from backend.people.models import Customer
from tests.dashboard.conftest import Browser, text_of
from tests.factories import create_case


def _customer(database: Database, name: str = "대한상사", phone: str = "+821030007777") -> int:
    with database.session() as session:
        customer = Customer(name=name, phone=phone, address="서울 중구 세종대로 110")
        session.add(customer)
        session.flush()
        return customer.id


def test_r9_6_the_dashboard_lists_key_customers_with_the_next_visit_and_records_one(
    browser: Browser, database: Database
) -> None:
    _customer(database)
    browser.login("service_director")
    added = browser.post("/key-customers", {"phone": "010-3000-7777", "visit_interval_days": "60"})
    assert added.status_code == 302
    page = browser.get("/key-customers").text
    assert "대한상사" in page and "2027-01-24" in text_of(page)
    with database.session() as session:
        customer_id = session.scalars(select(Customer.id)).one()
    recorded = browser.post(
        f"/key-customers/{customer_id}/visits",
        {"visited_on": "2026-11-24", "visited_by": "박지훈", "notes": "점검"},
    )
    assert recorded.status_code == 302
    assert "2027-01-23" in text_of(browser.get("/key-customers").text)
    unknown = browser.post("/key-customers", {"phone": "010-3999-0000"})
    assert unknown.status_code == 422 and 'data-field="phone"' in unknown.text


def test_r4_5_the_dashboard_form_shows_the_missing_address_beside_the_field(
    browser: Browser,
) -> None:
    browser.people.product()
    browser.login("receptionist")
    form = {
        "kind": "repair",
        "channel": "phone",
        "customer.name": "홍길동",
        "customer.phone": "010-3000-0001",
        "customer.zone": "city",
        "product.model": "AC-1",
        "description": "찬바람이 안 나와요",
    }
    response = browser.post("/cases/new", form)
    assert response.status_code == 422
    assert 'data-field="customer.address"' in response.text


def _return(browser: Browser) -> str:
    browser.people.product("WM-1", line="washer")
    body = {
        "kind": "return",
        "channel": "visit",
        "customer": {"name": "홍길동", "phone": "010-3000-0001"},
        "product": {
            "model": "WM-1",
            "serial_number": "RT-1",
            "purchased_on": date(2026, 11, 20).isoformat(),
        },
        "description": "소음이 심해요",
    }
    return create_case(browser.client, browser.people.headers(), body)["number"]


def test_r3_4_a_return_goes_through_inspection_and_decision_on_its_page(
    browser: Browser,
) -> None:
    number = _return(browser)
    technician = browser.people.technician("김민수")
    browser.login("warehouse_clerk")
    page = browser.get(f"/cases/{number}").text
    assert "action-inspect" in page and "action-decide" not in page
    inspected = browser.post(
        f"/cases/{number}/actions/inspect",
        {
            "cause_department": "rnd_production",
            "cause_person": f"technician:{technician}",
            "findings": "모터 불량",
        },
    )
    assert inspected.status_code == 302
    browser.post("/logout")
    browser.login("repair_manager")
    page = browser.get(f"/cases/{number}").text
    assert "action-decide" in page
    assert "김민수" in text_of(page)
    decided = browser.post(f"/cases/{number}/actions/decide", {"decision": "rejected"})
    assert decided.status_code == 422 and 'data-field="rule"' in decided.text
    decided = browser.post(f"/cases/{number}/actions/decide", {"decision": "exchange"})
    assert decided.status_code == 302
    listing = browser.get("/returns").text
    assert number in listing and "rnd_production" not in text_of(listing)  # words, not codes


def test_r3_5_the_monthly_report_shows_return_causes_by_department_and_person(
    browser: Browser,
) -> None:
    number = _return(browser)
    technician = browser.people.technician("김민수")
    browser.login("warehouse_clerk")
    browser.post(
        f"/cases/{number}/actions/inspect",
        {"cause_department": "warehouse_transport", "cause_person": f"technician:{technician}"},
    )
    browser.post("/logout")
    browser.login("service_director")
    page = browser.get("/reports?month=2026-11").text

    def section(key: str) -> str:
        part = page[page.index(f'id="{key}"') :]
        return part[: part.index("</section>")]

    assert 'data-key="warehouse_transport"' in section("return-departments")
    people = section("return-people")
    assert f'data-key="technician:{technician}"' in people and "김민수" in people
    # Like every table of the report, it has a chart and its CSV holds the same cells.
    assert "<svg" in people
    download = browser.get("/reports/return-people.csv?month=2026-11")
    assert download.status_code == 200 and "김민수" in download.text
