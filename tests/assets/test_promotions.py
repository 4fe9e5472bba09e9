"""Warranty promotions (R4.2): recorded by admins, applied to units bought in the window, shown
at intake and in the charges; a part's own warranty (R4.1) lengthened by name."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.outbox.models import OutboundMessage
from tests.factories import (
    FOR_THE_TECHNICIAN,
    Personas,
    act,
    consent_first,
    create_case,
    repair_body,
)

# The clock: 25 November 2026. AC-1: 24 months; COMP 120 months (300,000 KRW); FAN 12 months
# (80,000 KRW). A unit bought on 10 June 2025: the product is in warranty, the fan is not.
BOUGHT = date(2025, 6, 10)


def _promotion(client: FlaskClient, people: Personas, **extra: Any) -> Any:
    body = {
        "name": "2025 summer fan care",
        "models": ["AC-1"],
        "purchased_from": "2025-06-01",
        "purchased_until": "2025-08-31",
        "part_months": {"FAN": 24},
        **extra,
    }
    return client.post("/api/v1/promotions", json=body, headers=people.headers("admin"))


def _resolved_fan(client: FlaskClient, people: Personas, serial: str) -> dict[str, Any]:
    people.technician()
    case = create_case(client, people.headers(), repair_body(serial=serial, purchased_on=BOUGHT))
    headers = people.headers("repair_manager")
    body = {**FOR_THE_TECHNICIAN, "parts": [{"code": "FAN"}], "hours": 1}
    act(client, headers, case["number"], "accept", FOR_THE_TECHNICIAN)
    act(client, headers, case["number"], "arrive", FOR_THE_TECHNICIAN)
    consent_first(client, headers, case["number"], body)
    return act(client, headers, case["number"], "resolve", body)


def test_r4_2_a_promotion_extends_a_parts_warranty_and_the_charges_show_it(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    created = _promotion(client, people)
    assert created.status_code == 201, created.get_json()
    promotion = created.get_json()
    resolved = _resolved_fan(client, people, "PROMO-1")
    fan = resolved["charges"]["parts"][0]
    # 12 + 24 months from June 2025: the fan is covered until June 2028.
    assert (fan["free"], fan["amount"]) == (True, 0)
    assert fan["warranty_promotion"] == {"id": promotion["id"], "name": "2025 summer fan care"}
    assert resolved["charges"]["warranty_promotions"] == [
        {"id": promotion["id"], "name": "2025 summer fan care"}
    ]
    case = client.get(f"/api/v1/cases/{resolved['number']}", headers=people.headers()).get_json()
    applied = [e for e in case["events"] if e["action"] == "warranty_promotion"]
    assert len(applied) == 1  # the intake records that the promotion reached after-sales


def test_r4_2_without_the_promotion_the_same_fan_is_charged(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    _promotion(client, people, purchased_from="2025-07-01")  # bought before the window
    resolved = _resolved_fan(client, people, "PLAIN-1")
    fan = resolved["charges"]["parts"][0]
    assert (fan["free"], fan["amount"]) == (False, 80_000)
    assert "warranty_promotion" not in fan and "warranty_promotions" not in resolved["charges"]


def test_r4_2_a_product_wide_promotion_turns_an_expired_unit_into_free_service(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    people.technician()
    old = date(2024, 5, 1)  # 24 months ended on 1 May 2026
    body = {"purchased_from": "2024-01-01", "purchased_until": "2024-12-31", "extra_months": 12}
    assert _promotion(client, people, part_months={}, **body).status_code == 201
    case = create_case(client, people.headers(), repair_body(serial="OLD-1", purchased_on=old))
    assert case["service_category"] == "C"
    with database.session() as session:  # the intake confirmation names the promotion
        confirmation = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "intake_confirmation")
        ).one()
        assert "2025 summer fan care" in confirmation.payload["body"]


def test_r4_2_only_admins_record_promotions_and_bad_ones_name_the_field(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    body = {
        "name": "x",
        "models": ["AC-1"],
        "purchased_from": "2025-01-01",
        "purchased_until": "2025-02-01",
        "extra_months": 6,
    }
    refused = client.post("/api/v1/promotions", json=body, headers=people.headers("receptionist"))
    assert refused.status_code == 403
    for change, field in (
        ({"models": ["NOPE"]}, "models[0]"),
        ({"purchased_until": "2024-12-01"}, "purchased_until"),
        ({"extra_months": 0}, "extra_months"),
        ({"part_months": {"NOPE": 3}}, "part_months"),
    ):
        answer = client.post(
            "/api/v1/promotions", json={**body, **change}, headers=people.headers("admin")
        )
        assert answer.status_code == 422 and answer.get_json()["error"]["field"] == field, change
    listed = client.get("/api/v1/promotions", headers=people.headers("receptionist")).get_json()
    assert listed["items"] == []
