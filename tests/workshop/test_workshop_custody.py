"""Workshop custody end to end (R4.8, R4.10, R7.6–R7.8): receipt → register in → repair card →
failed inspection → repair → passed inspection → return with signature → register out → invoice."""

from __future__ import annotations

import io
import re
from datetime import date

from flask.testing import FlaskClient
from pypdf import PdfReader

from backend.db import Database
from tests.factories import Personas, act
from tests.workshop.helpers import (
    CALL_OUT,
    LABOUR,
    TRANSPORT,
    WORK,
    add_loaner,
    on_site,
    publish_transport_fee,
    texts,
    to_workshop,
)


def test_r4_10_r7_6_r7_8_a_paid_workshop_repair_runs_from_receipt_to_invoice(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    technician = people.technician()
    publish_transport_fee(client, people)
    add_loaner(client, people, "LN-7")
    number = on_site(client, people, purchased_on=date(2024, 6, 1))  # out of warranty: paid (A)
    manager, warehouse = people.headers("repair_manager"), people.headers("warehouse_clerk")

    # R4.10, R7.6: the numbered goods receipt, to the customer with its PDF; the goods-in row
    case = to_workshop(
        client,
        people,
        number,
        transport=True,
        loaner_serial="LN-7",
        promised_return_on="2026-12-02",
    )
    workshop = case["workshop"]
    receipt = workshop["receipt_number"]
    assert case["status"] == "in_workshop" and re.fullmatch(r"WR-2026-\d{6}", receipt)
    assert workshop["promised_return_on"] == "2026-12-02" and workshop["loaner_serial"] == "LN-7"
    (message,) = texts(database, "goods_receipt")
    assert receipt in message and "2026-12-02" in message
    link = re.search(r"(/workshop-receipt/\S+)", message)
    assert link is not None
    pdf = client.get(link.group(1))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert receipt in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert client.get(link.group(1)[:-3] + "abc").status_code == 404

    # R4.8: transport is a warehouse task, its fee from the schedule on the quote
    tasks = client.get("/api/v1/tasks", headers=warehouse).get_json()["items"]
    assert any(t["kind"] == "transport" and number in t["title"] for t in tasks)
    quote = act(client, warehouse, number, "quote", WORK)["quote"]
    assert {"kind": "transport", "quantity": 1, "amount": TRANSPORT} in quote["items"]
    act(client, warehouse, number, "accept_quote", {"channel": "phone"})

    # R7.7: the repair card — who worked, actual hours, parts from the workshop's stock
    case = act(client, warehouse, number, "finish_repair", WORK)
    expected = 80_000 + 2 * LABOUR + CALL_OUT + TRANSPORT
    assert case["status"] == "repaired" and case["charges"]["transport"] == TRANSPORT
    assert case["charges"]["total"] == expected

    # R7.7: the supervisor fails it, with the reason: back to repair
    refused = act(client, manager, number, "inspect", {"passed": False}, status=422)
    assert refused["error"]["field"] == "reason"
    case = act(client, manager, number, "inspect", {"passed": False, "reason": "still noisy"})
    assert case["status"] == "in_workshop"
    assert case["events"][-1]["action"] == "fail_inspection"
    assert "still noisy" in str(case["events"][-1])
    act(client, warehouse, number, "return_item", {"receipt_number": receipt}, status=409)

    # the rework is on the card but not charged again
    case = act(client, warehouse, number, "finish_repair", {"parts": [], "hours": 1})
    assert case["status"] == "repaired" and case["charges"]["total"] == expected
    case = act(client, manager, number, "inspect", {"passed": True})
    assert case["status"] == "inspected"

    # R4.10: the receipt is taken back, its number confirmed; the loaner's condition recorded
    wrong = act(
        client, warehouse, number, "return_item", {"receipt_number": "WR-2026-999999"}, status=422
    )
    assert wrong["error"]["field"] == "receipt_number"
    case = act(
        client,
        warehouse,
        number,
        "return_item",
        {"receipt_number": receipt, "loaner_condition": "worn"},
    )
    assert case["status"] == "resolved"
    case = client.get(f"/api/v1/cases/{number}", headers=manager).get_json()
    # R7.8: a paid workshop repair is invoiced on the day of return
    assert case["payment"]["method"] == "invoice" and case["payment"]["amount"] == expected

    # R7.7: the customer signs on the technician's phone
    signer = people.technician_headers(technician)
    case = act(client, signer, number, "sign_off", {"signed_by": "홍길동"})
    assert case["status"] == "closed" and case["workshop"]["signed_by"] == "홍길동"

    detail = client.get(f"/api/v1/workshop/receipts/{receipt}", headers=manager).get_json()
    assert [w["rework"] for w in detail["repair_card"]] == [False, True]
    assert detail["repair_card"][0]["hours"] == 2
    assert detail["repair_card"][0]["parts"] == [{"code": "FAN", "quantity": 1}]
    assert [(i["passed"], i["reason"]) for i in detail["inspections"]] == [
        (False, "still noisy"),
        (True, None),
    ]
    assert detail["signed_via"] == "technician" and detail["returned_at"] is not None
    register = client.get("/api/v1/workshop/register", headers=warehouse).get_json()["items"]
    assert [(r["receipt_number"], r["direction"]) for r in register] == [
        (receipt, "in"),
        (receipt, "out"),
    ]
    loaners = client.get("/api/v1/loaners", headers=warehouse).get_json()["items"]
    assert loaners[0]["status"] == "available" and loaners[0]["condition"] == "worn"
    invoices = client.get("/api/v1/invoices", headers=manager).get_json()["items"]
    assert [i["case_number"] for i in invoices] == [number]
    tasks = client.get("/api/v1/tasks", headers=warehouse).get_json()["items"]
    assert sum(t["kind"] == "transport" for t in tasks) == 2  # there and back (R4.8)


def test_r7_7_returning_without_a_passed_inspection_is_refused(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician()
    number = on_site(client, people)
    receipt = to_workshop(client, people, number)["workshop"]["receipt_number"]
    warehouse = people.headers("warehouse_clerk")
    refused = act(client, warehouse, number, "return_item", {"receipt_number": receipt}, status=409)
    assert "finish_repair" in refused["error"]["message"]  # the step the status allows
    act(client, warehouse, number, "finish_repair", WORK)
    refused = act(client, warehouse, number, "return_item", {"receipt_number": receipt}, status=409)
    assert "inspect" in refused["error"]["message"]
    case = client.get(f"/api/v1/cases/{number}", headers=warehouse).get_json()
    assert case["status"] == "repaired" and case["workshop"]["returned_at"] is None


def test_r4_8_a_warranty_job_carries_the_goods_free_of_charge(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician()
    publish_transport_fee(client, people)
    number = on_site(client, people)  # bought this year: under warranty (C)
    to_workshop(client, people, number, transport=True)
    case = act(client, people.headers("warehouse_clerk"), number, "finish_repair", WORK)
    assert case["charges"]["total"] == 0 and "transport" not in case["charges"]


def test_r7_6_the_receipt_pdf_is_the_warehouses_too_and_bad_dates_are_named(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician()
    number = on_site(client, people)
    past = act(
        client,
        people.headers("repair_manager"),
        number,
        "take_to_workshop",
        {"reason": "r", "promised_return_on": "2026-11-01"},
        status=422,
    )
    assert past["error"]["field"] == "promised_return_on"
    case = to_workshop(client, people, number)
    # default: five business days from Wednesday 25 November
    assert case["workshop"]["promised_return_on"] == "2026-12-02"
    receipt = case["workshop"]["receipt_number"]
    pdf = client.get(
        f"/api/v1/workshop/receipts/{receipt}/pdf", headers=people.headers("warehouse_clerk")
    )
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    forbidden = client.get(
        f"/api/v1/workshop/receipts/{receipt}", headers=people.headers("receptionist")
    )
    assert forbidden.status_code == 403
    bad = client.get("/api/v1/workshop/register?from=2026-02-31", headers=people.headers("admin"))
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "from"
