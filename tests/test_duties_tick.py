"""Time-driven duties as a function of (database state, now): SLA warning and breach (R7.9, R7.14),
end-of-day roll-over (R7.13), contract-expiry notice (R7.15). Running tick twice for one moment
does nothing twice."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient
from sqlalchemy import func, select

from backend.cases.models import Case, CaseEvent
from backend.catalog.models import Contract, Unit
from backend.cli import main
from backend.composition import tick
from backend.db import Database
from backend.outbox.models import OutboundMessage
from backend.people.models import Customer
from backend.settings import Settings
from backend.tasks.models import Task
from tests.factories import FOR_THE_TECHNICIAN, Personas, act, create_case, repair_body

SEOUL = ZoneInfo("Asia/Seoul")
MINE = ("sla_warnings", "sla_breaches", "roll_over", "contract_expiry")


def seoul(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SEOUL)


def mine(results: dict[str, int]) -> dict[str, int]:
    return {name: results[name] for name in MINE}


@pytest.fixture
def job(client: FlaskClient, people: Personas, database: Database) -> str:
    """A city repair reported Wednesday 25 Nov 2026 10:00: due 16:00, warned at 14:48 (80 %).
    The technician accepted it at once (so dispatch's acceptance time-out stays out of the way)."""
    people.product()
    people.technician(telegram_chat_id=5550001)
    number: str = create_case(client, people.headers(), repair_body())["number"]
    act(client, people.headers("repair_manager"), number, "accept", FOR_THE_TECHNICIAN)
    return number


def _events(database: Database, number: str, action: str) -> int:
    with database.session() as session:
        return (
            session.scalar(
                select(func.count(CaseEvent.id))
                .join(Case)
                .where(Case.number == number, CaseEvent.action == action)
            )
            or 0
        )


def _tasks(database: Database, kind: str) -> list[Task]:
    with database.session() as session:
        return list(session.scalars(select(Task).where(Task.kind == kind)))


def _case(database: Database, number: str) -> Case:
    with database.session() as session:
        case = session.scalar(select(Case).where(Case.number == number))
        assert case is not None
        return case


def test_tick_before_the_warning_does_nothing(
    job: str, database: Database, settings: Settings
) -> None:
    assert _case(database, job).sla_warn_at == seoul(2026, 11, 25, 14, 48)
    for moment in (seoul(2026, 11, 25, 10, 0), seoul(2026, 11, 25, 14, 47, 59)):
        assert mine(tick(database, settings, moment)) == dict.fromkeys(MINE, 0)
    assert _tasks(database, "sla_warning") == [] and _tasks(database, "sla_breach") == []
    assert _events(database, job, "sla_warning") == 0
    assert _case(database, job).priority == "normal"


def test_sla_warning_at_80_percent_is_given_once(
    job: str, database: Database, settings: Settings
) -> None:
    moment = seoul(2026, 11, 25, 14, 48)
    assert mine(tick(database, settings, moment))["sla_warnings"] == 1
    assert mine(tick(database, settings, moment)) == dict.fromkeys(MINE, 0)
    assert mine(tick(database, settings, moment + timedelta(minutes=5)))["sla_warnings"] == 0
    assert _events(database, job, "sla_warning") == 1
    assert [t.role for t in _tasks(database, "sla_warning")] == ["repair_manager"]
    with database.session() as session:
        reminders = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "sla_warning")
        ).all()
        assert [(m.recipient, job in m.payload["text"]) for m in reminders] == [("5550001", True)]


def test_a_technician_who_arrived_in_time_is_not_warned(
    job: str, client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    act(client, people.headers("repair_manager"), job, "arrive", FOR_THE_TECHNICIAN)
    assert mine(tick(database, settings, seoul(2026, 11, 25, 16, 30))) == dict.fromkeys(MINE, 0)


def test_a_breach_escalates_to_the_service_director_once(
    job: str, database: Database, settings: Settings
) -> None:
    due = seoul(2026, 11, 25, 16, 0)
    first = mine(tick(database, settings, due))
    assert first["sla_breaches"] == 1
    assert first["sla_warnings"] == 0  # past the deadline a warning has no point
    assert mine(tick(database, settings, due))["sla_breaches"] == 0
    assert mine(tick(database, settings, due + timedelta(hours=1)))["sla_breaches"] == 0
    case = _case(database, job)
    assert (case.escalated_to, case.priority, case.sla_breached_at) == (
        "service_director",
        "urgent",
        due,
    )
    # R7.9 the service director, and the repair manager who reassigns (issue 13), once each
    assert sorted(t.role for t in _tasks(database, "sla_breach")) == [
        "repair_manager",
        "service_director",
    ]
    assert _events(database, job, "sla_breach") == 1


def test_unfinished_jobs_roll_over_once_at_the_end_of_the_day(
    job: str, database: Database, settings: Settings
) -> None:
    before_close = seoul(2026, 11, 25, 17, 59)
    assert mine(tick(database, settings, before_close))["roll_over"] == 0
    closing = seoul(2026, 11, 25, 18, 0)
    assert mine(tick(database, settings, closing))["roll_over"] == 1
    assert mine(tick(database, settings, closing))["roll_over"] == 0
    assert mine(tick(database, settings, closing + timedelta(hours=3)))["roll_over"] == 0
    case = _case(database, job)
    assert case.carried_over is True
    assert case.priority in ("high", "urgent")  # R7.13: first in line tomorrow
    assert case.rolled_over_on == date(2026, 11, 25)
    assert _events(database, job, "roll_over") == 1
    # Still unfinished the next evening: flagged again, once.
    assert mine(tick(database, settings, seoul(2026, 11, 26, 18, 30)))["roll_over"] == 1
    assert mine(tick(database, settings, seoul(2026, 11, 26, 18, 30)))["roll_over"] == 0
    assert _case(database, job).rolled_over_on == date(2026, 11, 26)


def test_no_roll_over_on_a_weekend_evening(
    job: str, database: Database, settings: Settings
) -> None:
    assert mine(tick(database, settings, seoul(2026, 11, 28, 18, 30)))["roll_over"] == 0


def test_a_resolved_job_does_not_roll_over(
    job: str, client: FlaskClient, people: Personas, database: Database, settings: Settings
) -> None:
    act(client, people.headers("repair_manager"), job, "arrive", FOR_THE_TECHNICIAN)
    act(
        client, people.headers("repair_manager"), job, "resolve", {"hours": 1, **FOR_THE_TECHNICIAN}
    )
    assert mine(tick(database, settings, seoul(2026, 11, 25, 18, 0)))["roll_over"] == 0


@pytest.fixture
def contract(database: Database, people: Personas) -> int:
    """A contract ending on 20 December 2026."""
    product_id = people.product()
    with database.session() as session:
        customer = Customer(
            name="김영희", phone="+821030000002", zone="suburb", telegram_chat_id=4440001
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
        row = Contract(
            customer_id=customer.id,
            unit_id=unit.id,
            starts_on=date(2025, 12, 21),
            ends_on=date(2026, 12, 20),
        )
        session.add(row)
        session.flush()
        return row.id


def test_contract_expiry_notice_thirty_days_before_the_end_once(
    contract: int, database: Database, settings: Settings
) -> None:
    assert mine(tick(database, settings, seoul(2026, 11, 19, 12, 0)))["contract_expiry"] == 0
    moment = seoul(2026, 11, 20, 0, 5)
    assert mine(tick(database, settings, moment))["contract_expiry"] == 1
    assert mine(tick(database, settings, moment))["contract_expiry"] == 0
    assert mine(tick(database, settings, seoul(2026, 12, 1, 9, 0)))["contract_expiry"] == 0
    with database.session() as session:
        notices = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "contract_expiry")
        ).all()
        assert [(n.channel, n.recipient) for n in notices] == [("telegram", "4440001")]
        assert "2026-12-20" in notices[0].payload["text"]
        assert session.get(Contract, contract).expiry_notice_sent_at == moment  # type: ignore[union-attr]
    renewals = _tasks(database, "renewal")
    assert [(t.role, t.data) for t in renewals] == [("receptionist", {"contract_id": contract})]


def test_an_ended_contract_gets_no_notice(
    contract: int, database: Database, settings: Settings
) -> None:
    assert mine(tick(database, settings, seoul(2026, 12, 21, 9, 0)))["contract_expiry"] == 0


def test_the_tick_command_runs_the_duties_as_of_at(
    job: str, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database: Database
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env
    env = {
        "DATABASE_URL": database_url,
        "AFTERSALES_SECRET_KEY": "x",
        "AFTERSALES_VAR_DIR": str(tmp_path / "var"),
    }
    runner = CliRunner()
    result = runner.invoke(main, ["tick", "--at", "2026-11-25T16:00:00+09:00"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["sla_breaches"] == 1
    again = runner.invoke(main, ["tick", "--at", "2026-11-25T07:00:00Z"], env=env)
    assert json.loads(again.output)["sla_breaches"] == 0
    # Without an offset the moment is read in the business time zone.
    naive = runner.invoke(main, ["tick", "--at", "2026-11-25T18:00:00"], env=env)
    assert json.loads(naive.output)["roll_over"] == 1
    bad = runner.invoke(main, ["tick", "--at", "yesterday"], env=env)
    assert bad.exit_code == 2 and "ISO-8601" in bad.output
