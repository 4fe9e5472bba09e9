"""The minute's tick at scale (issue 14): duties that read only the cases whose moment has come
still catch every moment missed while no tick ran, and work a backlog through in batches with
the same history, tasks and staff messages as one case at a time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend import duties
from backend.cases.machine import NOT_ARRIVED, RepairStatus
from backend.cases.models import COMPLAINT_UNANSWERED, REPAIR_NOT_ARRIVED, Case, CaseEvent
from backend.complaints.duties import UNANSWERED
from backend.composition import tick
from backend.db import Database
from backend.i18n import message
from backend.outbox.models import OutboundMessage
from backend.people.service import create_user
from backend.settings import Settings
from backend.tasks.models import Task
from backend.tasks.service import CaseAlert, alert_many
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body

SEOUL = ZoneInfo("Asia/Seoul")
DUE = datetime(2026, 11, 25, 16, 0, tzinfo=SEOUL)  # a city repair reported Wednesday 10:00
DIRECTOR_CHAT = 7100


def _jobs(client: FlaskClient, people: Personas, count: int) -> list[str]:
    """`count` accepted city repairs reported Wednesday 25 Nov 2026 10:00 (due 16:00)."""
    people.product()
    people.technician(telegram_chat_id=5550001)
    numbers = []
    for n in range(count):
        body = repair_body(phone=f"010-3000-{n + 1:04d}", serial=f"SN-{n}")
        number: str = create_case(client, people.headers(), body)["number"]
        act(client, people.headers("repair_manager"), number, "accept", FOR_THE_TECHNICIAN)
        numbers.append(number)
    return numbers


def _director_with_a_chat(database: Database) -> int:
    with database.session() as session:
        user = create_user(session, email="chat-director@test.local", role="service_director")
        user.telegram_chat_id = DIRECTOR_CHAT
        session.flush()
        return user.id


def _count(database: Database, statement: object) -> int:
    with database.session() as session:
        return int(session.scalar(statement) or 0)  # type: ignore[call-overload]


def test_a_deadline_that_passed_while_no_tick_ran_is_still_escalated(
    client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    (number,) = _jobs(client, people, 1)
    late = DUE + timedelta(hours=3)  # the worker was down from before the warning until 19:00
    assert tick(database, settings, late)["sla_breaches"] == 1
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        assert (case.sla_breached_at, case.escalated_to, case.priority) == (
            late,
            "service_director",
            "urgent",
        )
    assert tick(database, settings, late + timedelta(minutes=1))["sla_breaches"] == 0


def test_a_warning_moment_missed_before_the_deadline_is_still_given(
    client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    _jobs(client, people, 1)
    warn_at = datetime(2026, 11, 25, 14, 48, tzinfo=SEOUL)
    assert tick(database, settings, warn_at - timedelta(minutes=1))["sla_warnings"] == 0
    # No tick from 14:47 until 15:40: the warning (due at 14:48) comes at the next one.
    assert tick(database, settings, warn_at + timedelta(minutes=52))["sla_warnings"] == 1
    assert tick(database, settings, warn_at + timedelta(minutes=53))["sla_warnings"] == 0


def test_a_backlog_larger_than_a_batch_is_escalated_whole_in_one_tick(
    client: FlaskClient,
    people: Personas,
    database: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(duties, "BATCH", 2)
    numbers = _jobs(client, people, 5)
    director = _director_with_a_chat(database)
    assert tick(database, settings, DUE)["sla_breaches"] == 5
    assert tick(database, settings, DUE + timedelta(minutes=1))["sla_breaches"] == 0
    breaches = select(func.count(CaseEvent.id)).where(CaseEvent.action == "sla_breach")
    assert _count(database, breaches) == 5
    with database.session() as session:
        tasks = session.scalars(select(Task).where(Task.kind == "sla_breach")).all()
        assert sorted((t.role, t.dedupe_key) for t in tasks) == sorted(
            [("service_director", f"sla-breach:{n}") for n in numbers]
            + [("repair_manager", f"sla-breach-dispatch:{n}") for n in numbers]
        )
        assert all(t.case_id is not None and t.customer_id is not None for t in tasks)
        messages = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "staff_alert")
        ).all()
        # One message per breach to the director with a linked chat, keyed as `alert` keys it.
        assert sorted((m.recipient, m.dedupe_key) for m in messages) == sorted(
            (str(DIRECTOR_CHAT), f"sla-breach:{n}:user{director}") for n in numbers
        )
        for each in messages:  # each names its own case
            assert (each.dedupe_key or "").split(":")[1] in each.payload["text"]


def test_a_backlog_beyond_a_ticks_share_goes_on_at_the_next_ticks(
    client: FlaskClient,
    people: Personas,
    database: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(duties, "BATCH", 2)
    monkeypatch.setattr(duties, "BATCHES_PER_TICK", 1)
    _jobs(client, people, 5)
    minutes = [
        tick(database, settings, DUE + timedelta(minutes=m))["sla_breaches"] for m in range(4)
    ]
    assert minutes == [2, 2, 1, 0]
    breaches = select(func.count(CaseEvent.id)).where(CaseEvent.action == "sla_breach")
    assert _count(database, breaches) == 5


def test_an_alert_already_given_is_not_given_twice_in_a_batch(
    client: FlaskClient,
    people: Personas,
    database: Database,
    settings: Settings,
) -> None:
    """A case whose breach was reported before (the mark cleared by hand, a restored backup):
    its task and message keys exist, so the batch adds the history entry but no second alert."""
    (number,) = _jobs(client, people, 1)
    _director_with_a_chat(database)
    tick(database, settings, DUE)
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        case.sla_breached_at = None
    assert tick(database, settings, DUE + timedelta(minutes=1))["sla_breaches"] == 1
    assert _count(database, select(func.count(Task.id)).where(Task.kind == "sla_breach")) == 2
    staff_messages = select(func.count(OutboundMessage.id)).where(
        OutboundMessage.purpose == "staff_alert"
    )
    assert _count(database, staff_messages) == 1


def test_warnings_in_batches_reach_each_technician_once(
    client: FlaskClient,
    people: Personas,
    database: Database,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(duties, "BATCH", 2)
    numbers = _jobs(client, people, 3)
    warn_at = datetime(2026, 11, 25, 14, 48, tzinfo=SEOUL)
    assert tick(database, settings, warn_at)["sla_warnings"] == 3
    assert tick(database, settings, warn_at)["sla_warnings"] == 0
    with database.session() as session:
        reminders = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "sla_warning")
        ).all()
        assert sorted(m.dedupe_key or "" for m in reminders) == [
            f"sla-warn:{n}:tech" for n in sorted(numbers)
        ]
        assert {m.recipient for m in reminders} == {"5550001"}
        manager_tasks = session.scalars(select(Task).where(Task.kind == "sla_warning")).all()
        assert len(manager_tasks) == 3


def test_a_job_arrived_at_leaves_the_breach_duty_alone(
    client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    first, second = _jobs(client, people, 2)
    act(client, people.headers("repair_manager"), first, "arrive", FOR_THE_TECHNICIAN)
    assert tick(database, settings, DUE)["sla_breaches"] == 1
    with database.session() as session:
        escalated = session.scalars(
            select(Case.number).where(Case.escalated_to == "service_director")
        ).all()
    assert escalated == [second]


def test_the_partial_indexes_name_the_statuses_the_duties_ask_for() -> None:
    """PostgreSQL uses a partial index only when the query's conditions imply its predicate: the
    statuses written in the predicates must stay those of NOT_ARRIVED and UNANSWERED."""

    def statuses(predicate: str) -> set[str]:
        listed = predicate.split("status IN (", 1)[1].split(")", 1)[0]
        return {name.strip(" '") for name in listed.split(",")}

    assert statuses(REPAIR_NOT_ARRIVED) == {str(s) for s in NOT_ARRIVED}
    assert statuses(COMPLAINT_UNANSWERED) == {str(s) for s in UNANSWERED}
    assert RepairStatus.ON_SITE not in NOT_ARRIVED  # arrived: no deadline left to watch


def test_one_key_twice_in_a_batch_makes_one_task_and_one_message(
    client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    """`alert_many` as `alert` twice: the second alert of a key finds the first's task and
    message, whether they were made before the batch or earlier in it."""
    (number,) = _jobs(client, people, 1)
    director = _director_with_a_chat(database)
    with database.session() as session:
        case = session.scalars(select(Case).where(Case.number == number)).one()
        alert = CaseAlert("sla_breach", "service_director", message("Late: {n}", n=1), case, "k1")
        assert alert_many(session, [alert, alert], now=DUE) == 1
        tasks = session.scalars(select(Task).where(Task.dedupe_key == "k1")).all()
        assert [(t.kind, t.role, t.case_id, t.status) for t in tasks] == [
            ("sla_breach", "service_director", case.id, "open")
        ]
        assert tasks[0].created_at is not None
        sent = session.scalars(
            select(OutboundMessage.dedupe_key).where(OutboundMessage.purpose == "staff_alert")
        ).all()
        assert sent == [f"k1:user{director}"]
