"""Key customers (R9.6): a flag with a visit interval, one visit task per due visit from `tick`,
visits recorded through the API and the dashboard."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.composition import tick
from backend.db import Database
from backend.people.models import Customer
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas


def _customer(database: Database, name: str = "대한상사", phone: str = "+821030007777") -> int:
    with database.session() as session:
        customer = Customer(name=name, phone=phone, address="서울 중구 세종대로 110")
        session.add(customer)
        session.flush()
        return customer.id


def _visit_tasks(database: Database) -> list[Task]:
    with database.session() as session:
        tasks = session.scalars(select(Task).where(Task.kind == "key_customer_visit")).all()
        session.expunge_all()
        return list(tasks)


def test_r9_6_a_due_visit_opens_one_task_and_a_recorded_visit_restarts_the_interval(
    client: FlaskClient, people: Personas, database: Database, settings: Settings, clock: Clock
) -> None:
    customer = _customer(database)
    manager = people.headers("service_director")
    flagged = client.put(
        f"/api/v1/customers/{customer}/key-customer",
        headers=manager,
        json={"visit_interval_days": 30},
    ).get_json()
    assert flagged["key_since"] == "2026-11-25" and flagged["next_visit_due_on"] == "2026-12-25"

    tick(database, settings, clock())
    assert _visit_tasks(database) == []  # not due yet
    due = clock.advance(days=30)
    tick(database, settings, due)
    tick(database, settings, due + timedelta(hours=1))  # again: nothing twice
    (task,) = _visit_tasks(database)
    assert task.customer_id == customer and task.data == {"due_on": "2026-12-25"}

    visit = client.post(
        f"/api/v1/customers/{customer}/visits",
        headers=manager,
        json={"visited_on": "2026-12-24", "visited_by": "박지훈", "notes": "신제품 소개"},
    )
    assert visit.status_code == 201
    listed = client.get("/api/v1/key-customers", headers=manager).get_json()["items"]
    assert [(c["id"], c["last_visit_on"], c["next_visit_due_on"]) for c in listed] == [
        (customer, "2026-12-24", "2027-01-23")
    ]
    visits = client.get(f"/api/v1/customers/{customer}/visits", headers=manager).get_json()
    assert visits["items"][0]["visited_by"] == "박지훈"
    tick(database, settings, due + timedelta(days=29))  # 2027-01-23: the next visit is due
    assert len(_visit_tasks(database)) == 2


def test_r9_6_key_customers_are_the_managers_and_visits_are_not_in_the_future(
    client: FlaskClient, people: Personas, database: Database
) -> None:
    customer = _customer(database)
    desk = people.headers("receptionist")
    assert client.get("/api/v1/key-customers", headers=desk).status_code == 403
    manager = people.headers("repair_manager")
    future = client.post(
        f"/api/v1/customers/{customer}/visits",
        headers=manager,
        json={"visited_on": "2026-12-31", "visited_by": "박지훈"},
    )
    assert future.status_code == 422 and future.get_json()["error"]["field"] == "visited_on"
    missing = client.put("/api/v1/customers/999999/key-customer", headers=manager)
    assert missing.status_code == 404
