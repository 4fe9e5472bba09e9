"""Service category at intake (R4.3, R7.2) and per-part charges at resolution (R4.1, R4.3, R4.2)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient

from backend.catalog.models import Unit
from backend.db import Database
from tests.factories import (
    FOR_THE_TECHNICIAN,
    Personas,
    act,
    consent_first,
    create_case,
    repair_body,
)

# The clock fixture: Wednesday 25 November 2026 in Seoul. The factory product AC-1 has a
# 24-month warranty; its compressor COMP 120 months (300,000 KRW), its fan FAN 12 months (80,000).
LABOUR_RATE, CALL_OUT = 30_000, 20_000


def _resolve(
    client: FlaskClient, people: Personas, number: str, body: dict[str, Any]
) -> dict[str, Any]:
    headers = people.headers("repair_manager")  # for the technician, with a reason
    act(client, headers, number, "accept", FOR_THE_TECHNICIAN)
    act(client, headers, number, "arrive", FOR_THE_TECHNICIAN)
    consent_first(client, headers, number, {**FOR_THE_TECHNICIAN, **body})  # R4.11
    return act(client, headers, number, "resolve", {**FOR_THE_TECHNICIAN, **body})


def _repair(client: FlaskClient, people: Personas, **body: Any) -> dict[str, Any]:
    people.technician()
    return create_case(client, people.headers(), repair_body(**body))


def test_in_warranty_product_is_category_c_and_its_parts_are_free(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    case = _repair(client, people, purchased_on=date(2026, 1, 10))
    assert case["service_category"] == "C"
    assert case["charges"] is None
    resolved = _resolve(
        client,
        people,
        case["number"],
        {"parts": [{"code": "COMP", "quantity": 1}, {"code": "FAN"}], "hours": 2},
    )
    assert resolved["charges"] == {
        "parts": [
            {"code": "COMP", "name": "Comp", "quantity": 1, "free": True, "amount": 0},
            {"code": "FAN", "name": "Fan", "quantity": 1, "free": True, "amount": 0},
        ],
        "labour": 0,
        "call_out": 0,
        "total": 0,
    }


def test_one_job_mixes_a_free_part_and_a_charged_part_out_of_warranty(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    # Bought June 2024: the product's 24 months ended June 2026 → paid service (A), but the
    # compressor's own 120 months still run (R4.1, R4.3).
    case = _repair(client, people, purchased_on=date(2024, 6, 1))
    assert case["service_category"] == "A"
    resolved = _resolve(
        client,
        people,
        case["number"],
        {"parts": [{"code": "COMP", "quantity": 1}, {"code": "FAN", "quantity": 2}], "hours": 1.5},
    )
    charges = resolved["charges"]
    assert [(p["code"], p["free"], p["amount"]) for p in charges["parts"]] == [
        ("COMP", True, 0),
        ("FAN", False, 160_000),
    ]
    assert charges["labour"] == 45_000  # 1.5 h × 30,000
    assert charges["call_out"] == CALL_OUT
    assert charges["total"] == 160_000 + 45_000 + CALL_OUT
    assert resolved["status"] == "resolved"


def test_a_part_past_its_own_warranty_is_charged_inside_the_products_warranty(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    # Bought June 2025: product covered until June 2027 (C), the fan's 12 months ended June 2026.
    case = _repair(client, people, purchased_on=date(2025, 6, 1))
    assert case["service_category"] == "C"
    charges = _resolve(
        client,
        people,
        case["number"],
        {"parts": [{"code": "FAN", "quantity": 1}, {"code": "COMP"}], "hours": 3},
    )["charges"]
    assert [(p["code"], p["free"], p["amount"]) for p in charges["parts"]] == [
        ("FAN", False, 80_000),
        ("COMP", True, 0),
    ]
    assert (charges["labour"], charges["call_out"], charges["total"]) == (0, 0, 80_000)


def test_a_fixed_fee_replaces_hourly_labour_on_a_paid_job(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    case = _repair(client, people, purchased_on=date(2020, 1, 1))
    charges = _resolve(client, people, case["number"], {"hours": 2, "fee": 55_000})["charges"]
    assert charges == {
        "parts": [],
        "labour": 55_000,
        "call_out": CALL_OUT,
        "total": 55_000 + CALL_OUT,
    }


def test_warranty_ends_on_the_same_day_of_the_month_after_the_warranty_months(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    # Bought 26 Nov 2024: the 24 months cover up to and including 25 Nov 2026 (today).
    covered = _repair(client, people, purchased_on=date(2024, 11, 26), serial="SN-A")
    assert covered["service_category"] == "C"
    expired = create_case(
        client,
        people.headers(),
        repair_body(purchased_on=date(2024, 11, 25), serial="SN-B", phone="010-3000-0002"),
    )
    assert expired["service_category"] == "A"


def test_unknown_purchase_date_is_paid_service_and_every_part_is_charged(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    body = repair_body()
    body["product"]["purchased_on"] = None
    people.technician()
    case = create_case(client, people.headers(), body)
    assert case["service_category"] == "A"
    assert case["product"]["purchased_on"] is None
    charges = _resolve(client, people, case["number"], {"parts": [{"code": "COMP"}], "hours": 1})[
        "charges"
    ]
    assert charges["parts"][0]["free"] is False
    assert charges["total"] == 300_000 + LABOUR_RATE + CALL_OUT


def test_no_serial_number_means_no_known_unit_and_paid_service(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    case = _repair(client, people, serial=None, purchased_on=date(2026, 1, 10))
    assert case["service_category"] == "A"


def _contract(
    client: FlaskClient,
    people: Personas,
    serial: str = "SN-1",
    starts_on: str = "2026-01-01",
    ends_on: str = "2026-12-31",
) -> dict[str, Any]:
    response = client.post(
        "/api/v1/contracts",
        headers=people.headers(),
        json={
            "customer": {"name": "홍길동", "phone": "010-3000-0001"},
            "product": {"model": "AC-1", "serial_number": serial},
            "starts_on": starts_on,
            "ends_on": ends_on,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def test_out_of_warranty_unit_under_contract_is_category_b_and_every_part_is_free(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    contract = _contract(client, people)
    assert contract["product"] == {"model": "AC-1", "serial_number": "SN-1"}
    case = _repair(client, people, purchased_on=date(2019, 5, 1))
    assert case["service_category"] == "B"
    charges = _resolve(
        client,
        people,
        case["number"],
        {"parts": [{"code": "FAN", "quantity": 3}, {"code": "COMP"}], "hours": 4},
    )["charges"]
    assert all(part["free"] and part["amount"] == 0 for part in charges["parts"])
    assert charges == {**charges, "labour": 0, "call_out": 0, "total": 0}


def test_an_expired_contract_covers_nothing(client: FlaskClient, people: Personas) -> None:
    people.product()
    _contract(client, people, starts_on="2025-01-01", ends_on="2025-12-31")
    case = _repair(client, people, purchased_on=date(2019, 5, 1))
    assert case["service_category"] == "A"


def test_a_warranty_promotion_on_the_unit_extends_product_and_part_warranties(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    product_id = people.product()
    with database.session() as session:  # R4.2: the promotion reached after-sales
        session.add(
            Unit(
                product_id=product_id,
                serial_number="PROMO-1",
                purchased_on=date(2024, 6, 1),
                warranty_extension_months=12,
                promotion="2024 summer: +12 months",
            )
        )
    case = _repair(client, people, serial="PROMO-1", purchased_on=date(2024, 6, 1))
    # 24 + 12 months from June 2024 → covered until June 2027.
    assert case["service_category"] == "C"
    charges = _resolve(client, people, case["number"], {"parts": [{"code": "FAN"}], "hours": 1})[
        "charges"
    ]
    # The fan: 12 + 12 months from June 2024 → ended June 2026, so it is charged.
    assert charges["parts"][0]["free"] is False
    assert charges["total"] == 80_000


def test_intake_tells_a_paid_customer_the_fee_schedule_before_work_starts(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    from sqlalchemy import select

    from backend.outbox.models import OutboundMessage

    people.product()
    case = _repair(client, people, purchased_on=date(2020, 1, 1))
    with database.session() as session:
        message = session.scalar(
            select(OutboundMessage).where(OutboundMessage.purpose == "intake_confirmation")
        )
        assert message is not None and message.channel == "sms"
        assert case["number"] in message.payload["body"]
        assert "20,000" in message.payload["body"] and "30,000" in message.payload["body"]  # R4.11
