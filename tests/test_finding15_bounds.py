"""Finding 15: amounts under AFTERSALES_MAX_AMOUNT, dates in sane ranges, product lines only from
the catalogue — each refused with a 422 naming the field (backend/bounds.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from backend.settings import load_settings
from tests.factories import Personas, act, consent_first, create_case, repair_body

HUGE_FEE = 9_223_372_036_854_775_808  # the fee the finding's resolve accepted


def _error_field(response: Any) -> str:
    assert response.status_code == 422, response.get_data(as_text=True)
    field: str = response.get_json()["error"]["field"]
    return field


def _paid_repair(client: FlaskClient, people: Personas) -> tuple[str, dict[str, str]]:
    """A paid repair on site; the headers of its technician, whose step `resolve` is."""
    people.product()
    technician_id = people.technician()
    case = create_case(client, people.headers(), repair_body(purchased_on=date(2020, 1, 1)))
    headers = people.technician_headers(technician_id)
    act(client, headers, case["number"], "accept")
    act(client, headers, case["number"], "arrive")
    return case["number"], headers


@pytest.mark.parametrize("fee", [HUGE_FEE, 100_000_001, 2**63 - 1])
def test_finding_15_resolve_refuses_a_fee_above_the_ceiling(
    client: FlaskClient, people: Personas, database: Database, fee: int
) -> None:
    number, headers = _paid_repair(client, people)
    response = client.post(
        f"/api/v1/cases/{number}/actions/resolve",
        headers=headers,
        json={"hours": 1, "fee": fee},
    )
    assert _error_field(response) == "fee"
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None and case.charges is None and case.status == "on_site"


def test_finding_15_a_fee_at_the_ceiling_is_taken(client: FlaskClient, people: Personas) -> None:
    number, headers = _paid_repair(client, people)
    consent_first(client, headers, number, {"fee": 100_000_000})  # R4.11 the customer agrees
    resolved = act(client, headers, number, "resolve", {"fee": 100_000_000})
    assert resolved["status"] == "resolved"


def test_finding_15_the_ceiling_is_a_setting() -> None:
    env = {"AFTERSALES_SECRET_KEY": "k", "AFTERSALES_MAX_AMOUNT": "5000"}
    assert load_settings(env, read_dotenv=False).max_amount == 5000
    assert load_settings({"AFTERSALES_SECRET_KEY": "k"}, read_dotenv=False).max_amount == (
        100_000_000
    )


@pytest.mark.parametrize("purchased_on", ["0001-01-01", "1989-12-31", "9999-12-31", "2026-11-26"])
def test_finding_15_purchase_dates_outside_1990_to_today_are_refused(
    client: FlaskClient, people: Personas, purchased_on: str
) -> None:
    people.product()
    body = repair_body()
    body["product"]["purchased_on"] = purchased_on
    response = client.post("/api/v1/cases", headers=people.headers(), json=body)
    assert _error_field(response) == "product.purchased_on"


def _contract(starts_on: str, ends_on: str) -> dict[str, Any]:
    return {
        "customer": {"name": "홍길동", "phone": "010-3000-0001"},
        "product": {"model": "AC-1", "serial_number": "SN-9"},
        "starts_on": starts_on,
        "ends_on": ends_on,
    }


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "field"),
    [
        ("0001-01-01", "2027-01-01", "starts_on"),
        ("2026-01-01", "9999-12-31", "ends_on"),
        ("1999-12-31", "2027-01-01", "starts_on"),
        ("2026-01-01", "2046-11-26", "ends_on"),
    ],
)
def test_finding_15_contract_dates_outside_2000_to_twenty_years_ahead_are_refused(
    client: FlaskClient, people: Personas, starts_on: str, ends_on: str, field: str
) -> None:
    people.product()
    response = client.post(
        "/api/v1/contracts", headers=people.headers("admin"), json=_contract(starts_on, ends_on)
    )
    assert _error_field(response) == field


def test_finding_15_a_contract_within_the_bounds_is_taken(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    response = client.post(
        "/api/v1/contracts",
        headers=people.headers("admin"),
        json=_contract("2026-01-01", "2046-11-25"),
    )
    assert response.status_code == 201, response.get_json()


def _technician(line: str, valid_until: str) -> dict[str, Any]:
    return {
        "name": "박기사",
        "phone": "010-2000-0077",
        "zone": "city",
        "certifications": [
            {"product_line": "air_conditioner", "valid_until": "2027-12-31"},
            {"product_line": line, "valid_until": valid_until},
        ],
    }


@pytest.mark.parametrize(
    ("line", "valid_until", "field"),
    [
        ("time_machine", "2027-12-31", "certifications[1].product_line"),
        ("washer", "0001-01-01", "certifications[1].valid_until"),
        ("washer", "9999-12-31", "certifications[1].valid_until"),
    ],
)
def test_finding_15_certifications_name_catalogue_lines_and_sane_dates(
    client: FlaskClient, people: Personas, line: str, valid_until: str, field: str
) -> None:
    people.product()
    people.product(model="WM-1", line="washer")
    response = client.post(
        "/api/v1/technicians", headers=people.headers("admin"), json=_technician(line, valid_until)
    )
    assert _error_field(response) == field


def test_finding_15_a_certification_for_a_catalogue_line_is_taken(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.product(model="WM-1", line="washer")
    response = client.post(
        "/api/v1/technicians",
        headers=people.headers("admin"),
        json=_technician("washer", "2030-06-30"),
    )
    assert response.status_code == 201, response.get_json()


def test_finding_15_part_prices_above_the_ceiling_are_refused(
    client: FlaskClient, people: Personas
) -> None:
    body = {
        "model": "BIG-1",
        "name": "big",
        "product_line": "air_conditioner",
        "warranty_months": 12,
        "parts": [{"code": "P", "name": "p", "warranty_months": 1, "price": 100_000_001}],
    }
    response = client.post("/api/v1/products", headers=people.headers("admin"), json=body)
    assert _error_field(response) == "parts[0].price"
