"""R4.5: a repair needs an address and a description of the fault, in every channel."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.cases.models import Case
from backend.db import Database
from tests.factories import Personas, create_case, repair_body


def test_r4_5_the_api_refuses_a_repair_without_address_or_fault_naming_the_field(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    people.technician()
    no_address = repair_body()
    del no_address["customer"]["address"]
    response = client.post("/api/v1/cases", headers=people.headers(), json=no_address)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "customer.address"
    blank = client.post(
        "/api/v1/cases", headers=people.headers(), json=repair_body(description="   ")
    )
    assert blank.status_code == 422 and blank.get_json()["error"]["field"] == "description"
    with database.session() as session:
        assert session.scalar(select(Case.id)) is None
    # A customer whose address is on record needs it not be typed again.
    create_case(client, people.headers(), repair_body())
    again = create_case(client, people.headers(), no_address | {"description": "소음이 심해요"})
    assert again["customer"]["address"] == "서울 중구 세종대로 110"
