"""ABC classes of spare parts (R5.2) from 12 months' consumption value, recomputed monthly."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient

from backend.composition import tick
from backend.db import Database
from backend.settings import Settings
from backend.stock.abc import classify
from backend.stock.service import MoveKind, MoveRequest, move_stock
from tests.factories import Personas, receive


def test_r5_2_classes_of_a_known_consumption_table() -> None:
    values = {"P1": 8000, "P2": 1000, "P3": 500, "P4": 400, "P5": 100, "P6": 0}
    assert classify(values, (0.80, 0.95)) == {
        "P1": "A",  # the first 80 % of value
        "P2": "B",  # starts at 80 %
        "P3": "B",  # starts at 90 %
        "P4": "C",  # starts at 95 %
        "P5": "C",
        "P6": "C",  # never used
    }
    assert classify(values, (0.85, 0.99))["P2"] == "A"  # thresholds are settings


def _use(database: Database, code: str, quantity: int, at: datetime) -> None:
    with database.session() as session:
        receive(session, code, "central", quantity)
        move_stock(
            session,
            MoveRequest(code, "central", None, quantity, "job", kind=MoveKind.USED),
            actor="system",
            now=at,
        )


def test_r5_2_tick_classes_parts_monthly_from_the_last_12_months(
    client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    people.product(parts=[("COMP", 120, 300_000), ("FAN", 12, 80_000), ("KNOB", 6, 1_000)], stock=0)
    _use(database, "COMP", 1, datetime(2026, 3, 1, tzinfo=UTC))  # 300 000
    _use(database, "FAN", 20, datetime(2026, 6, 1, tzinfo=UTC))  # 1 600 000: 84 % of the value
    _use(database, "KNOB", 5, datetime(2026, 7, 1, tzinfo=UTC))  # 5 000
    _use(database, "KNOB", 900, datetime(2025, 1, 1, tzinfo=UTC))  # older than 12 months
    first = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)
    assert tick(database, settings, first)["abc_classes"] == 3
    assert tick(database, settings, first)["abc_classes"] == 0  # once a month
    headers = people.headers("repair_manager")
    parts = client.get("/api/v1/products", headers=headers).get_json()["items"][0]["parts"]
    assert {p["code"]: p["abc_class"] for p in parts} == {"FAN": "A", "COMP": "B", "KNOB": "C"}
