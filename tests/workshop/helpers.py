"""A repair taken as far as the workshop, the way the desk and the warehouse do it."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.outbox.models import OutboundMessage
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body

LABOUR, CALL_OUT, TRANSPORT = 30_000, 20_000, 15_000
WORK = {"parts": [{"code": "FAN", "quantity": 1}], "hours": 2}


def publish_transport_fee(client: FlaskClient, people: Personas) -> None:
    """R4.8: a fee schedule whose transport of goods costs TRANSPORT."""
    answer = client.put(
        "/api/v1/fee-schedule",
        headers=people.headers("admin"),
        json={
            "default_labour_per_hour": LABOUR,
            "call_out": {"city": CALL_OUT, "suburb": CALL_OUT},
            "transport": TRANSPORT,
        },
    )
    assert answer.status_code == 201, answer.get_json()


def on_site(
    client: FlaskClient,
    people: Personas,
    *,
    purchased_on: date = date(2026, 1, 10),
    serial: str = "SN-1",
    phone: str = "010-3000-0001",
) -> str:
    """A repair with its technician on site (a product and a technician must exist)."""
    body = repair_body(purchased_on=purchased_on, serial=serial, phone=phone)
    number = str(create_case(client, people.headers(), body)["number"])
    manager = people.headers("repair_manager")
    act(client, manager, number, "accept", FOR_THE_TECHNICIAN)
    act(client, manager, number, "arrive", FOR_THE_TECHNICIAN)
    return number


def to_workshop(client: FlaskClient, people: Personas, number: str, **body: Any) -> dict[str, Any]:
    """`take_to_workshop` for the technician (by the repair manager); the case JSON."""
    return act(
        client,
        people.headers("repair_manager"),
        number,
        "take_to_workshop",
        {**FOR_THE_TECHNICIAN, **body},
    )


def add_loaner(client: FlaskClient, people: Personas, serial: str = "LN-1") -> None:
    answer = client.post(
        "/api/v1/loaners",
        headers=people.headers("warehouse_clerk"),
        json={"serial_number": serial, "model": "AC-1"},
    )
    assert answer.status_code == 201, answer.get_json()


def texts(database: Database, purpose: str) -> list[str]:
    with database.session() as session:
        rows = session.scalars(
            select(OutboundMessage)
            .where(OutboundMessage.purpose == purpose)
            .order_by(OutboundMessage.id)
        ).all()
        return [str(row.payload.get("body") or row.payload.get("text")) for row in rows]
