"""Case numbers: `AS-<year of intake>-<sequence>`, unique when many intakes run at once."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime

from flask.testing import FlaskClient

from backend.app import create_app
from backend.db import Database
from backend.settings import Settings
from tests.conftest import Clock
from tests.factories import Personas, complaint_body, create_case, repair_body

THREADS, CASES_PER_THREAD = 8, 5


def test_concurrent_intakes_get_unique_consecutive_numbers(
    database_url: str, database: Database, settings: Settings, clock: Clock, people: Personas
) -> None:
    people.product()
    people.technician()
    headers = people.headers()
    numbers: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    # Each thread has its own engine, app and client, like separate web processes; they are
    # built here because CPython 3.11's compiler (werkzeug compiles URL rules with ast.parse) is
    # not safe to run in several threads at once.
    databases = [Database(database_url) for _ in range(THREADS)]
    clients = [
        create_app({"settings": settings, "database": own, "clock": clock}).test_client()
        for own in databases
    ]

    def intake(worker: int, client: FlaskClient) -> None:
        start.wait(timeout=60)
        for index in range(CASES_PER_THREAD):
            body = (
                repair_body(phone=f"010-5{worker:02d}{index}-0000", serial=f"C-{worker}-{index}")
                if index % 2 == 0
                else complaint_body(phone=f"010-5{worker:02d}{index}-0000")
            )
            response = client.post("/api/v1/cases", headers=headers, json=body)
            with lock:
                if response.status_code == 201:
                    numbers.append(response.get_json()["number"])
                else:
                    failures.append(f"{response.status_code} {response.get_data(True)}")

    threads = [
        threading.Thread(target=intake, args=(worker, client))
        for worker, client in enumerate(clients)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        for own in databases:
            own.dispose()
    assert failures == []
    total = THREADS * CASES_PER_THREAD
    assert len(numbers) == total
    assert all(re.fullmatch(r"AS-2026-\d{6}", number) for number in numbers)
    assert sorted(numbers) == [f"AS-2026-{n:06d}" for n in range(1, total + 1)]


def test_the_number_carries_the_local_year_of_the_report(
    client: FlaskClient, people: Personas, clock: Clock
) -> None:
    people.product()
    # 1 January 2027, 00:30 in Seoul, still 31 December 2026 in UTC.
    clock.set(datetime(2026, 12, 31, 15, 30, tzinfo=UTC))
    first = create_case(client, people.headers(), repair_body())
    assert first["number"] == "AS-2027-000001"
    # A letter received in December is registered with that year's sequence.
    letter = create_case(
        client,
        people.headers(),
        repair_body(
            reported_at="2026-12-30T11:00:00+09:00", phone="010-3000-0002", channel="letter"
        ),
    )
    assert letter["number"] == "AS-2026-000001"
    second = create_case(client, people.headers(), complaint_body())
    assert second["number"] == "AS-2027-000002"


def test_a_failed_intake_does_not_use_up_a_number(client: FlaskClient, people: Personas) -> None:
    people.product()
    bad = client.post(
        "/api/v1/cases", headers=people.headers(), json=repair_body(model="NO-SUCH-MODEL")
    )
    assert bad.status_code == 422
    assert create_case(client, people.headers(), repair_body())["number"] == "AS-2026-000001"


def test_concurrent_intakes_for_one_new_caller_all_succeed(
    database_url: str, database: Database, settings: Settings, clock: Clock, people: Personas
) -> None:
    """Phone and Telegram, or two receptionists, registering the same new customer and unit at
    once: one customer, one unit, every case registered."""
    people.product()
    roles = [
        "receptionist",
        "vice_president",
        "repair_manager",
        "service_director",
        "hotline_officer",
    ]
    tokens = [people.token(role) for role in roles]  # distinct users: no shared token row
    statuses: list[int] = []
    start = threading.Barrier(len(roles))

    # Each thread has its own engine and app, built here: CPython 3.11's compiler (werkzeug
    # compiles every URL rule with ast.parse) is not safe to run in several threads at once.
    databases = [Database(database_url) for _ in tokens]
    clients = [
        create_app({"settings": settings, "database": own, "clock": clock}).test_client()
        for own in databases
    ]

    def intake(client: FlaskClient, token: str) -> None:
        start.wait()
        response = client.post(
            "/api/v1/cases",
            headers={"Authorization": f"Bearer {token}"},
            json=repair_body(phone="010-7777-0001", serial="SAME-1"),
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=intake, args=(client, token))
        for client, token in zip(clients, tokens, strict=True)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        for own in databases:
            own.dispose()
    assert statuses == [201] * len(roles)
    from sqlalchemy import func, select

    from backend.catalog.models import Unit
    from backend.people.models import Customer

    with database.session() as session:
        assert session.scalar(select(func.count(Customer.id))) == 1
        assert session.scalar(select(func.count(Unit.id))) == 1
