"""Case numbers: `AS-<year of intake>-<sequence>`, unique when many intakes run at once."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import partial

from flask.testing import FlaskClient

from backend.app import create_app
from backend.db import Database
from backend.settings import Settings
from tests.concurrency import at_once, own_databases
from tests.conftest import Clock
from tests.factories import Personas, complaint_body, create_case, repair_body

THREADS, CASES_PER_THREAD = 8, 5


def _clients(databases: list[Database], settings: Settings, clock: Clock) -> list[FlaskClient]:
    """One app per engine, built before any thread starts (see tests/concurrency.py)."""
    return [
        create_app({"settings": settings, "database": own, "clock": clock}).test_client()
        for own in databases
    ]


def test_concurrent_intakes_get_unique_consecutive_numbers(
    database_url: str, database: Database, settings: Settings, clock: Clock, people: Personas
) -> None:
    people.product()
    people.technician()
    headers = people.headers()

    def intake(client: FlaskClient, worker: int) -> list[tuple[int, str]]:
        answers = []
        for index in range(CASES_PER_THREAD):
            body = (
                repair_body(phone=f"010-5{worker:02d}{index}-0000", serial=f"C-{worker}-{index}")
                if index % 2 == 0
                else complaint_body(phone=f"010-5{worker:02d}{index}-0000")
            )
            response = client.post("/api/v1/cases", headers=headers, json=body)
            answers.append((response.status_code, response.get_data(as_text=True)))
        return answers

    # Each thread has its own engine and app, like separate web processes.
    with own_databases(database_url, THREADS) as databases:
        clients = _clients(databases, settings, clock)
        answers = at_once(
            [partial(intake, client, worker) for worker, client in enumerate(clients)]
        )
    replies = [reply for thread in answers for reply in thread]
    failures = [f"{status} {text}" for status, text in replies if status != 201]
    numbers = [json.loads(text)["number"] for status, text in replies if status == 201]
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

    def intake(client: FlaskClient, token: str) -> int:
        return client.post(
            "/api/v1/cases",
            headers={"Authorization": f"Bearer {token}"},
            json=repair_body(phone="010-7777-0001", serial="SAME-1"),
        ).status_code

    with own_databases(database_url, len(tokens)) as databases:
        clients = _clients(databases, settings, clock)
        statuses = at_once(
            [partial(intake, client, token) for client, token in zip(clients, tokens, strict=True)]
        )
    assert statuses == [201] * len(roles)
    from sqlalchemy import func, select

    from backend.catalog.models import Unit
    from backend.people.models import Customer

    with database.session() as session:
        assert session.scalar(select(func.count(Customer.id))) == 1
        assert session.scalar(select(func.count(Unit.id))) == 1
