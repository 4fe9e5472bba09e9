"""Quotes and consent (R4.11), the fee schedule's versions, payments with their numbered PDF
receipt or invoice, the accounting list and its daily CSV (R7.5, R7.8), through the API."""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Any

from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select

from backend.db import Database
from backend.outbox.models import OutboundMessage
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body

# The factory product AC-1: 24 months' warranty; COMP 120 months (300,000), FAN 12 months
# (80,000). The clock: Wednesday 25 November 2026 in Seoul. Schedule defaults: 30,000 per hour,
# call-out 20,000.
LABOUR, CALL_OUT = 30_000, 20_000
FAN_ONLY = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 1}
PAID_TOTAL = 80_000 + LABOUR + CALL_OUT


def _on_site(client: FlaskClient, people: Personas, purchased_on: date) -> tuple[str, int]:
    """A repair with its technician on site; the case number and the technician."""
    people.product()
    technician = people.technician()
    number = create_case(client, people.headers(), repair_body(purchased_on=purchased_on))["number"]
    manager = people.headers("repair_manager")
    act(client, manager, number, "accept", FOR_THE_TECHNICIAN)
    act(client, manager, number, "arrive", FOR_THE_TECHNICIAN)
    return number, technician


def _paid_job(client: FlaskClient, people: Personas) -> tuple[str, dict[str, str]]:
    """Bought June 2024: out of the product's warranty, paid service (A). Number, technician."""
    number, technician = _on_site(client, people, date(2024, 6, 1))
    return number, people.technician_headers(technician)


def test_r4_11_a_paid_job_is_not_resolved_before_consent_and_is_after(
    client: FlaskClient, people: Personas
) -> None:
    number, technician = _paid_job(client, people)
    refused = act(client, technician, number, "resolve", FAN_ONLY, status=409)["error"]
    assert refused["field"] == "quote" and "quote" in refused["message"]
    case = act(client, technician, number, "quote", FAN_ONLY)
    quote = case["quote"]
    assert quote["status"] == "pending" and quote["decided_at"] is None
    assert quote["items"] == [
        {"code": "FAN", "quantity": 1, "amount": 80_000},
        {"kind": "labour", "quantity": 1.0, "amount": LABOUR},
        {"kind": "call_out", "quantity": 1, "amount": CALL_OUT},
    ]
    assert quote["total"] == PAID_TOTAL
    assert act(client, technician, number, "resolve", FAN_ONLY, status=409)["error"]["field"] == (
        "quote"
    )
    # The customer said yes on the phone to the repair lead: recorded with channel and time.
    manager = people.headers("repair_manager")
    case = act(client, manager, number, "accept_quote", {"channel": "phone"})
    assert case["quote"]["status"] == "accepted" and case["quote"]["channel"] == "phone"
    assert case["quote"]["decided_at"].startswith("2026-11-25T") and case["status"] == "on_site"
    case = act(client, technician, number, "resolve", FAN_ONLY)
    assert case["status"] == "resolved" and case["charges"]["total"] == PAID_TOTAL


def test_r4_11_staff_must_say_how_the_customer_answered(
    client: FlaskClient, people: Personas
) -> None:
    number, technician = _paid_job(client, people)
    act(client, technician, number, "quote", FAN_ONLY)
    manager = people.headers("repair_manager")
    error = act(client, manager, number, "accept_quote", status=422)["error"]
    assert error["field"] == "channel"


def test_r4_11_work_beyond_the_accepted_quote_needs_a_new_one(
    client: FlaskClient, people: Personas
) -> None:
    number, technician = _paid_job(client, people)
    act(client, technician, number, "quote", FAN_ONLY)
    act(client, technician, number, "accept_quote", {"channel": "visit"})
    more = {"parts": [{"code": "FAN", "quantity": 2}], "hours": 1}
    error = act(client, technician, number, "resolve", more, status=409)["error"]
    assert error["field"] == "quote" and "more than" in error["message"]


def test_r4_11_a_declined_quote_ends_the_visit_charging_only_the_call_out(
    client: FlaskClient, people: Personas
) -> None:
    number, technician = _paid_job(client, people)
    act(client, technician, number, "quote", FAN_ONLY)
    case = act(
        client, people.headers("repair_manager"), number, "decline_quote", {"channel": "phone"}
    )
    assert case["status"] == "resolved" and case["quote"]["status"] == "declined"
    assert case["charges"]["total"] == CALL_OUT and case["charges"]["parts"] == []
    assert case["events"][-1]["action"] == "decline_quote"
    manager = people.headers("repair_manager")
    again = act(client, manager, number, "accept_quote", {"channel": "phone"}, status=409)
    assert again["error"]["code"] == "action_not_allowed"


def test_r4_3_a_mixed_warranty_job_quotes_only_the_chargeable_parts(
    client: FlaskClient, people: Personas
) -> None:
    # Bought June 2025: the product (C) and the compressor are covered, the fan's 12 months ended.
    number, technician_id = _on_site(client, people, date(2025, 6, 1))
    technician = people.technician_headers(technician_id)
    work = {"parts": [{"code": "COMP", "quantity": 1}, {"code": "FAN", "quantity": 1}], "hours": 2}
    quote = act(client, technician, number, "quote", work)["quote"]
    assert quote["items"] == [{"code": "FAN", "quantity": 1, "amount": 80_000}]  # no labour
    assert quote["total"] == 80_000
    act(client, technician, number, "accept_quote", {"channel": "visit"})
    charges = act(client, technician, number, "resolve", work)["charges"]
    assert charges["total"] == 80_000


def test_r4_3_a_free_job_needs_no_quote(client: FlaskClient, people: Personas) -> None:
    number, technician_id = _on_site(client, people, date(2026, 1, 10))
    technician = people.technician_headers(technician_id)
    error = act(client, technician, number, "quote", FAN_ONLY, status=409)["error"]
    assert error["field"] == "quote"
    assert act(client, technician, number, "resolve", FAN_ONLY)["charges"]["total"] == 0


def test_r4_11_a_quote_keeps_the_schedule_version_it_was_made_with(
    client: FlaskClient, people: Personas
) -> None:
    number, technician = _paid_job(client, people)
    act(client, technician, number, "quote", FAN_ONLY)
    admin = people.headers("admin")
    schedule = {
        "labour_per_hour": {"air_conditioner": 50_000},
        "default_labour_per_hour": 40_000,
        "call_out": {"city": 25_000, "suburb": 35_000},
        "transport": 15_000,
    }
    refused = client.put("/api/v1/fee-schedule", json=schedule, headers=people.headers())
    assert refused.status_code == 403
    published = client.put("/api/v1/fee-schedule", json=schedule, headers=admin)
    assert published.status_code == 201 and published.get_json()["version"] == 1
    # The customer accepts the old quote: the work is charged at the prices it showed.
    act(client, technician, number, "accept_quote", {"channel": "visit"})
    case = act(client, technician, number, "resolve", FAN_ONLY)
    assert case["charges"]["total"] == PAID_TOTAL and case["quote"]["schedule_version"] == 0
    # A new quote elsewhere uses version 1: the product line's rate and the zone's call-out.
    other = create_case(
        client, people.headers(), repair_body(purchased_on=date(2024, 6, 1), serial="SN-2")
    )["number"]
    manager = people.headers("repair_manager")
    for action in ("accept", "arrive"):
        act(client, manager, other, action, FOR_THE_TECHNICIAN)
    quote = act(client, technician, other, "quote", FAN_ONLY)["quote"]
    assert quote["schedule_version"] == 1 and quote["total"] == 80_000 + 50_000 + 25_000
    shown = client.get("/api/v1/fee-schedule", headers=people.headers()).get_json()
    assert shown["call_out"] == {"city": 25_000, "suburb": 35_000} and len(shown["versions"]) == 1
    bad = client.put(
        "/api/v1/fee-schedule", json={**schedule, "labour_per_hour": {"rocket": 1}}, headers=admin
    )
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "labour_per_hour.rocket"


def _resolved_paid_job(client: FlaskClient, people: Personas) -> tuple[str, dict[str, str]]:
    number, technician = _paid_job(client, people)
    act(client, technician, number, "quote", FAN_ONLY)
    act(client, technician, number, "accept_quote", {"channel": "visit"})
    act(client, technician, number, "resolve", FAN_ONLY)
    return number, technician


def _texts(database: Database, purpose: str) -> list[str]:
    with database.session() as session:
        rows = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == purpose)
        ).all()
        return [str(row.payload.get("body") or row.payload.get("text")) for row in rows]


def test_r7_5_cash_payment_gets_a_numbered_receipt_pdf_with_the_korean_name(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    number, technician = _resolved_paid_job(client, people)
    act(client, technician, number, "pay", {"method": "bitcoin"}, status=422)
    case = act(client, technician, number, "pay", {"method": "cash"})
    payment = case["payment"]
    assert payment["method"] == "cash" and payment["amount"] == PAID_TOTAL
    assert payment["invoice_number"] == "INV-2026-000001"
    assert payment["paid_at"].startswith("2026-11-25T") and payment["paid_at"].endswith("+09:00")
    assert act(client, technician, number, "pay", {"method": "cash"}, status=409)["error"][
        "field"
    ] == ("payment")
    manager = people.headers("repair_manager")
    pdf = client.get("/api/v1/invoices/INV-2026-000001/pdf", headers=manager)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "홍길동" in text and "INV-2026-000001" in text and f"{PAID_TOTAL:,}" in text
    # The customer (no Telegram: an SMS) gets a signed link to the same PDF.
    (sms,) = _texts(database, "invoice")
    link = re.search(r"/invoice/(\S+)", sms)
    assert link is not None
    assert client.get(f"/invoice/{link.group(1)}").data == pdf.data
    assert client.get(f"/invoice/{link.group(1)[:-2]}xx").status_code == 404
    assert (
        client.get("/api/v1/invoices/INV-2026-000001/pdf", headers=people.headers()).status_code
        == 403
    )


def test_r7_5_the_daily_csv_lists_the_days_payments(client: FlaskClient, people: Personas) -> None:
    number, technician = _resolved_paid_job(client, people)
    act(client, technician, number, "pay", {"method": "invoice"})
    manager = people.headers("repair_manager")
    listing = client.get("/api/v1/invoices?date=2026-11-25", headers=manager).get_json()
    assert [i["case_number"] for i in listing["items"]] == [number]
    assert listing["items"][0]["paid_at"] is None and listing["total"] == PAID_TOTAL
    csv = client.get("/api/v1/accounting/daily.csv?date=2026-11-25", headers=manager)
    rows = csv.data.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("invoice_number,case_number")
    assert rows[1].startswith(f"INV-2026-000001,{number},2026-11-25T") and "홍길동" in rows[1]
    other_day = client.get("/api/v1/accounting/daily.csv?date=2026-11-24", headers=manager)
    assert len(other_day.data.decode("utf-8-sig").splitlines()) == 1
    bad = client.get("/api/v1/invoices?date=20261125", headers=manager)
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "date"


def test_r4_11_the_customer_accepts_on_the_signed_page_from_the_sms(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    number, technician = _paid_job(client, people)
    act(client, technician, number, "quote", FAN_ONLY)
    (sms,) = _texts(database, "quote")
    assert f"{PAID_TOTAL:,}" in sms
    link = re.search(r"(/q/\S+)", sms)
    assert link is not None
    page = client.get(link.group(1))
    assert page.status_code == 200 and f"{PAID_TOTAL:,}".encode() in page.data
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page.data)
    assert token is not None
    answer = client.post(
        link.group(1), data={"csrf_token": token.group(1).decode(), "decision": "accept"}
    )
    assert answer.status_code == 200
    case = client.get(f"/api/v1/cases/{number}", headers=people.headers()).get_json()
    assert case["quote"]["status"] == "accepted" and case["quote"]["channel"] == "web"
    assert case["events"][-1]["actor"].startswith("customer")
    forged = client.get(link.group(1)[:-3] + "abc")
    assert forged.status_code == 404


def test_r7_8_a_paid_workshop_repair_is_invoiced_on_the_day_of_return(
    client: FlaskClient, people: Personas
) -> None:
    number, _technician = _paid_job(client, people)
    manager, warehouse = people.headers("repair_manager"), people.headers("warehouse_clerk")
    act(client, manager, number, "take_to_workshop", FOR_THE_TECHNICIAN)
    work: dict[str, Any] = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 2}
    act(client, warehouse, number, "finish_repair", work, status=409)
    act(client, warehouse, number, "quote", work)
    act(client, warehouse, number, "accept_quote", {"channel": "phone"})
    act(client, warehouse, number, "finish_repair", work)
    inspected = act(client, manager, number, "inspect")
    receipt = {"receipt_number": inspected["workshop"]["receipt_number"]}
    act(client, warehouse, number, "return_item", receipt)
    case = client.get(f"/api/v1/cases/{number}", headers=manager).get_json()
    assert case["payment"]["method"] == "invoice" and case["payment"]["paid_at"] is None
    assert case["payment"]["amount"] == 80_000 + 2 * LABOUR + CALL_OUT
