"""The money pages: admins publish a fee schedule version (R4.11); managers see the day's
receipts and invoices with their PDF and CSV (R7.5); other roles are refused."""

from __future__ import annotations

from datetime import date

from flask.testing import FlaskClient

from tests.dashboard.conftest import Browser, text_of
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body

FAN_ONLY = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1}


def test_r4_11_an_admin_publishes_a_new_fee_schedule_from_the_page(
    browser: Browser, people: Personas
) -> None:
    people.product()
    browser.login("admin")
    page = browser.get("/fees")
    assert page.status_code == 200 and 'name="labour_air_conditioner"' in page.text
    answer = browser.post(
        "/fees",
        {
            "default_labour": "31000",
            "labour_air_conditioner": "45000",
            "call_out_city": "22000",
            "call_out_suburb": "32000",
            "transport": "10000",
        },
    )
    assert answer.status_code == 302
    shown = client_get_schedule(browser.client, people)
    assert shown["version"] == 1 and shown["labour_per_hour"] == {"air_conditioner": 45_000}
    assert shown["call_out"] == {"city": 22_000, "suburb": 32_000}


def client_get_schedule(client: FlaskClient, people: Personas) -> dict[str, object]:
    answer: dict[str, object] = client.get(
        "/api/v1/fee-schedule", headers=people.headers()
    ).get_json()
    return answer


def test_r7_5_the_accounting_page_lists_the_days_payments_for_managers_only(
    browser: Browser, people: Personas
) -> None:
    people.product()
    technician = people.technician()
    client = browser.client
    number = create_case(client, people.headers(), repair_body(purchased_on=date(2024, 6, 1)))[
        "number"
    ]
    manager = people.headers("repair_manager")
    for action, body in [("accept", {}), ("arrive", {}), ("quote", FAN_ONLY)]:
        act(client, manager, number, action, {**FOR_THE_TECHNICIAN, **body})
    tech = people.technician_headers(technician)
    act(client, tech, number, "accept_quote", {"channel": "visit"})
    act(client, tech, number, "resolve", FAN_ONLY)
    act(client, tech, number, "pay", {"method": "card"})
    browser.login("receptionist")
    assert browser.get("/accounting").status_code == 403
    browser.post("/logout")
    browser.login("service_director")
    page = browser.get("/accounting?date=2026-11-25")
    assert page.status_code == 200
    assert "INV-2026-000001" in text_of(page.text) and number in text_of(page.text)
    pdf = browser.get("/accounting/INV-2026-000001.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    csv = browser.get("/accounting/daily.csv?date=2026-11-25")
    assert "INV-2026-000001" in csv.data.decode("utf-8-sig")
