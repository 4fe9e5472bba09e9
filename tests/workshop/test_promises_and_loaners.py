"""A late promised return escalates once (R4.12, R7.9); loaners (R5.4): lent once at a time,
returned with their condition, chased once when overdue."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.app import create_app
from backend.db import Database
from backend.settings import Settings
from backend.tasks.models import Task
from backend.workshop.duties import late_returns, overdue_loaners
from backend.workshop.models import LoanerLoan
from tests.concurrency import at_once, own_databases
from tests.conftest import Clock
from tests.factories import Personas, act
from tests.workshop.helpers import WORK, add_loaner, on_site, texts, to_workshop

# Friday 27 November 2026, 10:00 in Seoul; Monday 30 November.
FRIDAY = datetime(2026, 11, 27, 1, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)


def _tick(database: Database, settings: Settings, duty: object, now: datetime) -> int:
    with database.session() as session:
        return int(duty(session, settings, now))  # type: ignore[operator]


def test_r4_12_r7_9_a_late_return_date_escalates_once_to_the_service_director(
    client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    people.product()
    people.technician()
    number = on_site(client, people)
    to_workshop(client, people, number, promised_return_on="2026-11-26")
    on_time = on_site(client, people, serial="SN-2", phone="010-3000-0002")
    to_workshop(client, people, on_time, promised_return_on="2026-12-04")
    assert _tick(database, settings, late_returns, datetime(2026, 11, 26, 8, tzinfo=UTC)) == 0
    assert _tick(database, settings, late_returns, FRIDAY) == 1
    assert _tick(database, settings, late_returns, MONDAY) == 0  # once
    director = people.headers("service_director")
    case = client.get(f"/api/v1/cases/{number}", headers=director).get_json()
    assert case["escalated_to"] == "service_director" and case["status"] == "in_workshop"
    assert [e["action"] for e in case["events"]].count("escalate") == 1
    with database.session() as session:
        tasks = session.scalars(select(Task).where(Task.kind == "escalation")).all()
        assert [(t.role, t.case_id is not None) for t in tasks] == [("service_director", True)]
        assert number in tasks[0].title
    board = client.get("/api/v1/workshop/board", headers=director).get_json()["items"]
    assert [(r["case_number"], r["escalated"]) for r in board] == [(number, True), (on_time, False)]
    other = client.get(f"/api/v1/cases/{on_time}", headers=director).get_json()
    assert other["escalated_to"] is None


def test_r5_4_a_loaner_lent_twice_is_refused(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    people.product()
    people.technician()
    add_loaner(client, people, "LN-1")
    first = on_site(client, people)
    second = on_site(client, people, serial="SN-2", phone="010-3000-0002")
    to_workshop(client, people, first, loaner_serial="LN-1")
    refused = act(
        client,
        people.headers("repair_manager"),
        second,
        "take_to_workshop",
        {"reason": "r", "loaner_serial": "LN-1"},
        status=409,
    )
    assert refused["error"]["field"] == "loaner_serial"
    case = client.get(f"/api/v1/cases/{second}", headers=people.headers("repair_manager"))
    assert case.get_json()["status"] == "on_site" and case.get_json()["workshop"] is None
    assert len(texts(database, "goods_receipt")) == 1  # nothing of the refused step remains
    unknown = act(
        client,
        people.headers("repair_manager"),
        second,
        "take_to_workshop",
        {"reason": "r", "loaner_serial": "LN-404"},
        status=422,
    )
    assert unknown["error"]["field"] == "loaner_serial"


def test_r5_4_a_loaner_comes_back_with_its_condition_and_a_damaged_one_is_not_lent_again(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician()
    add_loaner(client, people, "LN-1")
    warehouse = people.headers("warehouse_clerk")
    duplicate = client.post(
        "/api/v1/loaners", headers=warehouse, json={"serial_number": "LN-1", "model": "AC-1"}
    )
    assert duplicate.status_code == 409
    not_lent = client.post(
        "/api/v1/loaners/LN-1/return", headers=warehouse, json={"condition": "good"}
    )
    assert not_lent.status_code == 409
    number = on_site(client, people)
    to_workshop(client, people, number, loaner_serial="LN-1")
    back = client.post(
        "/api/v1/loaners/LN-1/return",
        headers=warehouse,
        json={"condition": "damaged", "note": "cracked panel"},
    )
    assert back.status_code == 200, back.get_json()
    assert back.get_json()["status"] == "retired" and back.get_json()["condition"] == "damaged"
    other = on_site(client, people, serial="SN-2", phone="010-3000-0002")
    refused = act(
        client,
        people.headers("repair_manager"),
        other,
        "take_to_workshop",
        {"reason": "r", "loaner_serial": "LN-1"},
        status=409,
    )
    assert "retired" in refused["error"]["message"]
    technician = client.post(
        "/api/v1/loaners",
        headers=people.headers("repair_manager"),
        json={"serial_number": "LN-2", "model": "AC-1"},
    )
    assert technician.status_code == 403


def test_r5_4_an_overdue_loaner_is_chased_once(
    client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    people.product()
    people.technician()
    add_loaner(client, people, "LN-1")
    number = on_site(client, people)
    # promised Thursday 26th; AFTERSALES_LOANER_GRACE_DAYS (2): due Saturday 28th
    to_workshop(client, people, number, loaner_serial="LN-1", promised_return_on="2026-11-26")
    warehouse, manager = people.headers("warehouse_clerk"), people.headers("repair_manager")
    act(client, warehouse, number, "finish_repair", WORK)
    case = act(client, manager, number, "inspect")
    # the customer keeps the loaner when the item comes back: the loan stays open
    act(
        client,
        warehouse,
        number,
        "return_item",
        {"receipt_number": case["workshop"]["receipt_number"]},
    )
    assert _tick(database, settings, overdue_loaners, FRIDAY) == 0
    assert _tick(database, settings, overdue_loaners, MONDAY) == 1
    assert _tick(database, settings, overdue_loaners, MONDAY) == 0  # once
    (chase,) = texts(database, "loaner_overdue")
    assert "LN-1" in chase and number in chase
    tasks = client.get("/api/v1/tasks", headers=warehouse).get_json()["items"]
    assert [t["kind"] for t in tasks].count("loaner_overdue") == 1
    loaners = client.get("/api/v1/loaners", headers=warehouse).get_json()["items"]
    assert loaners[0]["loan"]["case_number"] == number and loaners[0]["status"] == "lent"


def test_r5_4_one_loaner_asked_for_two_items_at_the_same_moment_is_lent_once(
    client: FlaskClient,
    people: Personas,
    database: Database,
    database_url: str,
    settings: Settings,
    clock: Clock,
) -> None:
    people.product()
    people.technician()
    add_loaner(client, people, "LN-1")
    numbers = [on_site(client, people, serial=f"SN-{i}", phone=f"010-3000-000{i}") for i in (1, 2)]
    headers = people.headers("repair_manager")
    body = {"reason": "r", "loaner_serial": "LN-1"}

    def take(own: FlaskClient, number: str) -> int:
        url = f"/api/v1/cases/{number}/actions/take_to_workshop"
        return own.post(url, headers=headers, json=body).status_code

    with own_databases(database_url, 2) as databases:
        clients = [
            create_app({"settings": settings, "database": own, "clock": clock}).test_client()
            for own in databases
        ]
        statuses = at_once(
            [partial(take, own, number) for own, number in zip(clients, numbers, strict=True)]
        )
    assert sorted(statuses) == [200, 409]
    with database.session() as session:
        assert len(session.scalars(select(LoanerLoan)).all()) == 1
