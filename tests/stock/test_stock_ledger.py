"""Spare-parts stock (R5.1–R5.3): the ledger, parts used on a job, concurrent moves, reorder."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.db import Database
from backend.errors import OutOfStock
from backend.stock.flows import record_move
from backend.stock.service import MoveRequest, ledger_quantity, quantity_on_hand
from backend.tasks.models import Task
from tests.concurrency import at_once, own_databases
from tests.factories import TEST_TIME, Personas, act, create_case, receive, repair_body


def _on_site(client: FlaskClient, people: Personas, technician: int) -> str:
    """A repair dispatched to `technician` and worked up to the technician's arrival."""
    number: str = create_case(client, people.headers(), repair_body())["number"]
    headers = people.technician_headers(technician)
    for action in ("accept", "depart", "arrive"):
        act(client, headers, number, action)
    return number


def _stock(client: FlaskClient, headers: dict[str, str], location: str) -> dict[str, int]:
    response = client.get(f"/api/v1/stock?location={location}", headers=headers)
    assert response.status_code == 200, response.get_json()
    return {row["part_code"]: row["quantity"] for row in response.get_json()["items"]}


def test_r5_3_resolve_takes_the_part_off_the_technicians_van(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    technician = people.technician()  # 20 of each part in the van
    number = _on_site(client, people, technician)
    headers = people.technician_headers(technician)
    act(client, headers, number, "resolve", {"parts": [{"code": "FAN", "quantity": 2}]})
    assert _stock(client, headers, f"van:{technician}")["FAN"] == 18  # the technician's own view
    with database.session() as session:
        assert ledger_quantity(session, "FAN", f"van:{technician}") == 18  # the ledger agrees
        assert quantity_on_hand(session, "COMP", f"van:{technician}") == 20


def test_r5_3_resolve_with_an_empty_van_is_409_naming_the_part_and_the_van(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    technician = people.technician(van_stock=0)
    number = _on_site(client, people, technician)
    headers = people.technician_headers(technician)
    answer = act(client, headers, number, "resolve", {"parts": [{"code": "FAN"}]}, status=409)[
        "error"
    ]
    assert answer["code"] == "out_of_stock"
    assert (answer["part_code"], answer["location"]) == ("FAN", f"van:{technician}")
    assert answer["field"] == "parts[0].code" and "FAN" in answer["message"]
    case = client.get(f"/api/v1/cases/{number}", headers=people.headers("repair_manager"))
    assert case.get_json()["status"] == "on_site"  # nothing happened


def test_r5_3_workshop_repairs_take_parts_from_the_workshop(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    technician = people.technician()
    number = _on_site(client, people, technician)
    act(client, people.technician_headers(technician), number, "take_to_workshop")
    act(
        client,
        people.headers("warehouse_clerk"),
        number,
        "finish_repair",
        {"parts": [{"code": "COMP"}]},
    )
    with database.session() as session:
        assert quantity_on_hand(session, "COMP", "workshop") == 19
        assert quantity_on_hand(session, "COMP", f"van:{technician}") == 20


def test_moves_through_the_api_by_the_warehouse_clerk_only(
    client: FlaskClient, people: Personas
) -> None:
    people.product(stock=0)
    technician = people.technician(van_stock=0)
    clerk = people.headers("warehouse_clerk")
    receipt = {"part_code": "FAN", "from": "supplier", "to": "central", "quantity": 5,
               "reason": "PO-1"}  # fmt: skip
    assert client.post("/api/v1/stock/moves", headers=clerk, json=receipt).status_code == 201
    transfer = {"part_code": "FAN", "from": "central", "to": f"van:{technician}",
                "quantity": 2, "reason": "van refill"}  # fmt: skip
    answer = client.post("/api/v1/stock/moves", headers=clerk, json=transfer).get_json()
    assert (answer["kind"], answer["actor"].startswith("user:")) == ("transfer", True)
    too_many = {**transfer, "quantity": 4}
    refused = client.post("/api/v1/stock/moves", headers=clerk, json=too_many)
    assert refused.status_code == 409 and refused.get_json()["error"]["location"] == "central"
    write_off = {"part_code": "FAN", "from": "central", "to": None, "quantity": 1,
                 "reason": "cracked"}  # fmt: skip
    assert (
        client.post("/api/v1/stock/moves", headers=clerk, json=write_off).get_json()["kind"]
        == "write_off"
    )
    assert _stock(client, clerk, "central") == {"FAN": 2}
    manager = people.headers("repair_manager")
    assert client.post("/api/v1/stock/moves", headers=manager, json=receipt).status_code == 403
    # A technician reads their own van, not the warehouse.
    own = people.technician_headers(technician)
    assert client.get("/api/v1/stock", headers=own).get_json()["items"] == [
        {"part_code": "FAN", "location": f"van:{technician}", "quantity": 2}
    ]
    assert client.get("/api/v1/stock?location=central", headers=own).status_code == 403
    unknown = {**receipt, "part_code": "NOPE"}
    answer = client.post("/api/v1/stock/moves", headers=clerk, json=unknown)
    assert answer.status_code == 422 and answer.get_json()["error"]["field"] == "part_code"


def _take_one(database: Database) -> bool:
    try:
        with database.session() as session:
            record_move(
                session,
                MoveRequest("FAN", "central", "workshop", 1, "race"),
                actor="system",
                now=TEST_TIME,
            )
        return True
    except OutOfStock:
        return False


def test_r5_3_concurrent_moves_never_take_stock_below_zero(
    database_url: str, database: Database, people: Personas
) -> None:
    people.product(stock=0)
    with database.session() as session:
        receive(session, "FAN", "central", 3)
    with own_databases(database_url, 6) as databases:
        results = at_once([partial(_take_one, db) for db in databases])
    assert sorted(results) == [False, False, False, True, True, True]
    with database.session() as session:
        assert quantity_on_hand(session, "FAN", "central") == 0
        assert ledger_quantity(session, "FAN", "central") == 0
        assert quantity_on_hand(session, "FAN", "workshop") == 3


def _purchase_tasks(database: Database) -> list[Any]:
    with database.session() as session:
        return list(session.scalars(select(Task).where(Task.kind == "purchase")))


def test_r5_3_the_reorder_task_appears_once_until_the_stock_is_refilled(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product(stock=0)
    with database.session() as session:
        receive(session, "FAN", "central", 6)
    clerk = people.headers("warehouse_clerk")
    point = {"part_code": "FAN", "location": "central", "reorder_point": 3, "reorder_quantity": 10}
    answer = client.put("/api/v1/stock/reorder-points", headers=clerk, json=point).get_json()
    assert (answer["on_hand"], answer["due"]) == (6, False)
    move = {"part_code": "FAN", "from": "central", "to": "workshop", "quantity": 1,
            "reason": "workshop"}  # fmt: skip
    for _ in range(5):  # 5, 4, 3 (due), 2, 1
        assert client.post("/api/v1/stock/moves", headers=clerk, json=move).status_code == 201
    tasks = _purchase_tasks(database)
    assert len(tasks) == 1 and tasks[0].role == "warehouse_clerk"
    assert tasks[0].data["part_code"] == "FAN" and tasks[0].data["on_hand"] == 3
    assert tasks[0].data["order_quantity"] == 20  # no class yet: lots as for B (2 × 10)
    refill = {"part_code": "FAN", "from": None, "to": "central", "quantity": 10, "reason": "PO"}
    client.post("/api/v1/stock/moves", headers=clerk, json=refill)
    for _ in range(9):  # 11 → 2: due again after the refill
        client.post("/api/v1/stock/moves", headers=clerk, json=move)
    assert len(_purchase_tasks(database)) == 2
    listed = client.get("/api/v1/stock/reorder-points", headers=clerk).get_json()["items"]
    assert listed[0]["due"] is True and listed[0]["on_hand"] == 2
