"""Each duty runs under a lock shared by every process (issue 9, finding 7): ticks for one moment
run in parallel do every duty's work once between them, never deadlock and never fail.

Real concurrency on PostgreSQL (TEST_DATABASE_URL): an advisory lock per duty, a duty whose
lock is held is skipped (BUSY). On SQLite every transaction begins IMMEDIATE, so the duties of
parallel ticks run one after the other; the outcome must be the same."""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import UTC, date, datetime
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from backend.calls.models import PhoneCall
from backend.cases.models import Case, CaseEvent
from backend.catalog.models import Contract, Unit
from backend.composition import tick
from backend.db import Database
from backend.dispatch.models import PlanRun
from backend.duties import BUSY, FAILED, duty_lock_key, hold_duty_lock
from backend.outbox.models import OutboundMessage
from backend.people.models import Customer
from backend.settings import Settings
from backend.surveys.models import Survey
from backend.tasks.models import Task
from tests.concurrency import at_once, own_databases
from tests.conftest import Clock
from tests.factories import Personas, act, create_case, empty_database, repair_body

SEOUL = ZoneInfo("Asia/Seoul")
EVENING = datetime(2026, 11, 25, 18, 0, tzinfo=SEOUL)  # Wednesday, closing time
MORNING = datetime(2026, 11, 26, 8, 0, tzinfo=SEOUL)  # Thursday, before opening
TICKS = 3
# Duties the scenario gives work to at those moments (the others must simply stay correct).
BUSY_IN_THE_EVENING = {
    "director_daily_report",  # at closing (R7.11)
    "abc_classes",  # the month's first tick classes the parts (R5.2)
    "sla_warnings",
    "sla_breaches",
    "roll_over",
    "contract_expiry",
    "survey_calls",
    "dispatch_acceptance_timeouts",
    "work_report_prompts",
}
BUSY_IN_THE_MORNING = {
    "dispatch_morning_plan",
    "promise_changes",
}  # the plan moves promises (R2.10)


def scenario(client: FlaskClient, database: Database, settings: Settings, clock: Clock) -> None:
    """Two technicians in Telegram; on Wednesday a job reported at 10:00 (late by 18:00), one
    at 13:00 (warned at 17:48), one at 17:00 nobody accepted; a contract ending in December; a
    rating survey due."""
    people = Personas(database, settings)
    product_id = people.product()
    people.technician("김민수", phone="010-2000-0001", telegram_chat_id=5550001)
    people.technician("이영희", phone="010-2000-0002", telegram_chat_id=5550002)
    manager = people.headers("repair_manager")
    numbers = []
    for hour, accepted in ((10, True), (13, True), (17, False)):
        clock.set(datetime(2026, 11, 25, hour, 0, tzinfo=SEOUL).astimezone(UTC))
        body = repair_body(phone=f"010-3000-00{hour}", serial=f"SN-{hour}")
        number = create_case(client, people.headers(), body)["number"]
        if accepted:
            act(client, manager, number, "accept", {"reason": "accepted by phone"})
        numbers.append(number)
    with database.session() as session:
        customer = Customer(
            name="김영희", phone="+821030000099", zone="suburb", telegram_chat_id=4440001
        )
        session.add(customer)
        session.flush()
        unit = Unit(
            product_id=product_id,
            serial_number="RF-1",
            customer_id=customer.id,
            purchased_on=date(2024, 1, 1),
        )
        session.add(unit)
        session.flush()
        session.add(
            Contract(
                customer_id=customer.id,
                unit_id=unit.id,
                starts_on=date(2025, 12, 21),
                ends_on=date(2026, 12, 20),
            )
        )
        first = session.scalars(select(Case).where(Case.number == numbers[0])).one()
        session.add(Survey(case_id=first.id, due_at=EVENING.replace(hour=11), attempt_log=[]))


def rows(session: Session, *columns: Any) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(select(*columns))]


def fingerprint(database: Database) -> dict[str, Any]:
    """What the duties leave behind, as counts of what is there (ids and texts aside)."""
    with database.session() as session:
        numbers = dict(rows(session, Case.id, Case.number))
        return {
            "events": Counter(
                (numbers[case_id], action)
                for case_id, action in rows(session, CaseEvent.case_id, CaseEvent.action)
            ),
            "tasks": Counter(rows(session, Task.kind, Task.role, Task.dedupe_key)),
            "messages": Counter(
                rows(
                    session,
                    OutboundMessage.channel,
                    OutboundMessage.recipient,
                    OutboundMessage.purpose,
                    OutboundMessage.dedupe_key,
                )
            ),
            "calls": Counter(rows(session, PhoneCall.purpose, PhoneCall.phone, PhoneCall.status)),
            "plans": Counter(rows(session, PlanRun.day, PlanRun.kind)),
            "cases": sorted(
                rows(
                    session,
                    Case.number,
                    Case.status,
                    Case.priority,
                    Case.escalated_to,
                    Case.carried_over,
                    Case.assigned_technician_id,
                )
            ),
            "surveys": sorted(rows(session, Survey.status, Survey.attempts)),
        }


def parallel_ticks(
    databases: list[Database], settings: Settings, moment: datetime
) -> list[dict[str, int]]:
    return at_once([partial(tick, own, settings, moment) for own in databases])


def done_between(results: list[dict[str, int]]) -> dict[str, int]:
    """Per duty, the work the ticks did between them; a failure (or deadlock) is an error."""
    for result in results:
        assert FAILED not in result.values(), result
    return {
        name: sum(result[name] for result in results if result[name] != BUSY) for name in results[0]
    }


def test_finding_7_parallel_ticks_do_every_duty_once_and_never_deadlock(
    database_url: str,
    database: Database,
    client: FlaskClient,
    settings: Settings,
    clock: Clock,
) -> None:
    # One tick at a time: what each moment's work is.
    scenario(client, database, settings, clock)
    once_evening = tick(database, settings, EVENING)
    after_evening = fingerprint(database)
    once_morning = tick(database, settings, MORNING)
    after_morning = fingerprint(database)
    assert {name for name, done in once_evening.items() if done > 0} == BUSY_IN_THE_EVENING
    assert {name for name, done in once_morning.items() if done > 0} == BUSY_IN_THE_MORNING
    # The same again, with three ticks at each moment at once.
    empty_database(database)
    scenario(client, database, settings, clock)
    with own_databases(database_url, TICKS) as databases:
        assert done_between(parallel_ticks(databases, settings, EVENING)) == once_evening
        assert fingerprint(database) == after_evening
        assert done_between(parallel_ticks(databases, settings, MORNING)) == once_morning
        assert fingerprint(database) == after_morning


@pytest.fixture
def postgresql(database: Database) -> Database:
    if database.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    return database


@pytest.fixture
def sqlite(database: Database) -> Database:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database-wide write lock")
    return database


def test_finding_7_a_duty_another_process_is_running_is_skipped_not_waited_for(
    postgresql: Database, settings: Settings
) -> None:
    with postgresql.engine.connect() as other_process:
        key = duty_lock_key("sla_warnings")
        other_process.execute(select(text(f"pg_advisory_lock({key})")))
        results = tick(postgresql, settings, EVENING)
        assert results["sla_warnings"] == BUSY
        assert FAILED not in results.values() and list(results.values()).count(BUSY) == 1
        other_process.execute(select(text(f"pg_advisory_unlock({key})")))
    assert tick(postgresql, settings, EVENING)["sla_warnings"] == 0


def test_finding_7_each_duty_has_its_own_lock(postgresql: Database) -> None:
    with postgresql.session() as first, postgresql.session() as second:
        assert hold_duty_lock(first, "sla_warnings") is True
        assert hold_duty_lock(second, "sla_warnings") is False  # held by the first
        assert hold_duty_lock(second, "sla_breaches") is True
    with postgresql.session() as later:  # released with the first one's transaction
        assert hold_duty_lock(later, "sla_warnings") is True


def test_finding_7_on_sqlite_a_duty_holds_the_write_lock(sqlite: Database) -> None:
    path = sqlite.url.removeprefix("sqlite:///")
    with sqlite.session() as session:
        assert hold_duty_lock(session, "sla_warnings") is True
        other_process = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="database is locked"):
                other_process.execute("BEGIN IMMEDIATE")
        finally:
            other_process.close()
