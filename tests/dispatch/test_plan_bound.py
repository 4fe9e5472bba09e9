"""The day's plan sees only the most urgent jobs its crews could take, and those it must keep;
the open jobs it leaves out keep their state and raise no alarm (README "Known limits")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.db import Database
from backend.dispatch.flows import replan_day
from backend.dispatch.loader import (
    INSTANCE_MARGIN,
    SHORTEST_VISIT_MINUTES,
    jobs_a_crew_can_take,
    load_day,
)
from backend.dispatch.models import DispatchPin, PlanRun
from backend.people.models import Technician
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas, case_in_status

OPEN_JOBS = 12
VISITS = 2  # a day of two shortest visits: the crew could take 2 jobs, the instance holds 4


@pytest.fixture
def technician(database: Database, people: Personas) -> int:
    """The one technician (of the one product), whose day holds exactly VISITS of the shortest
    visits."""
    people.product()
    technician_id = people.technician()
    with database.session() as session:
        row = session.get(Technician, technician_id)
        assert row is not None
        row.daily_capacity_minutes = VISITS * SHORTEST_VISIT_MINUTES
    return technician_id


def _open_jobs(database: Database, clock: Clock, count: int = OPEN_JOBS) -> list[int]:
    """`count` new repair jobs, the first the most urgent (reported, hence due, earliest)."""
    numbers = [
        case_in_status(
            database,
            kind="repair",
            status="new",
            reported_at=clock() - timedelta(hours=count - n),
        )
        for n in range(count)
    ]
    with database.session() as session:
        by_number = {c.number: c.id for c in session.scalars(select(Case))}
    return [by_number[number] for number in numbers]


def _loaded(database: Database, settings: Settings, clock: Clock) -> set[int]:
    calendar = calendar_for(settings)
    with database.session() as session:
        context = load_day(session, calendar, calendar.local_date(clock()), clock())
        assert context is not None
        return set(context.cases)


def test_a_crew_can_take_as_many_jobs_as_shortest_visits_fit_its_day(
    database: Database, settings: Settings, technician: int, clock: Clock
) -> None:
    calendar = calendar_for(settings)
    with database.session() as session:
        context = load_day(session, calendar, calendar.local_date(clock()), clock())
        assert context is not None
        (crew,) = context.instance.crews
        assert jobs_a_crew_can_take(crew) == VISITS
        assert context.bound == INSTANCE_MARGIN * VISITS


def test_with_many_open_jobs_only_the_most_urgent_the_crews_could_take_are_loaded(
    database: Database, settings: Settings, technician: int, clock: Clock
) -> None:
    jobs = _open_jobs(database, clock)
    assert _loaded(database, settings, clock) == set(jobs[: INSTANCE_MARGIN * VISITS])


def test_pinned_held_and_planned_jobs_stay_in_whatever_their_urgency(
    database: Database, settings: Settings, technician: int, clock: Clock
) -> None:
    jobs = _open_jobs(database, clock)
    pinned, held, planned = jobs[-1], jobs[-2], jobs[-3]
    with database.session() as session:
        session.add(DispatchPin(case_id=pinned, technician_id=technician, pinned_by="manager"))
        accepted = session.get(Case, held)
        assert accepted is not None
        accepted.status, accepted.assigned_technician_id = "accepted", technician
        later = session.get(Case, planned)
        assert later is not None
        later.planned_arrival_at = clock() + timedelta(hours=2)  # today, in the stored plan
    loaded = _loaded(database, settings, clock)
    assert {pinned, held, planned} <= loaded
    assert loaded - {pinned, held, planned} == set(jobs[: INSTANCE_MARGIN * VISITS])


def test_a_crew_holds_in_the_plan_only_as_many_of_its_jobs_as_it_could_take(
    database: Database, settings: Settings, technician: int, clock: Clock
) -> None:
    jobs = _open_jobs(database, clock)
    with database.session() as session:
        for case in session.scalars(select(Case).where(Case.id.in_(jobs[-5:]))):
            case.status, case.assigned_technician_id = "accepted", technician
    loaded = _loaded(database, settings, clock)
    assert set(jobs[-5:]) & loaded == set(jobs[-5 : -5 + VISITS])  # its most urgent two


def test_a_replan_leaves_the_jobs_it_did_not_load_as_they_were(
    database: Database, settings: Settings, technician: int, clock: Clock
) -> None:
    jobs = _open_jobs(database, clock)
    left_out = jobs[INSTANCE_MARGIN * VISITS :]
    tomorrow = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)
    with database.session() as session:
        for case in session.scalars(select(Case).where(Case.id.in_(left_out))):
            case.planned_arrival_at = tomorrow  # promised for another day: not ours to change
    before = _states(database, left_out)
    calendar = calendar_for(settings)
    with database.session() as session:
        run = replan_day(
            session,
            calendar=calendar,
            settings=settings,
            day=calendar.local_date(clock()),
            now=clock(),
            kind="manual",
        )
        assert run is not None and run.jobs == INSTANCE_MARGIN * VISITS
    with database.session() as session:
        assert session.scalar(select(PlanRun.assigned)) == 1  # one air conditioner fills it
        flagged = set(session.scalars(select(Task.case_id).where(Task.kind == "unassigned")))
    assert _states(database, left_out) == before
    assert flagged and not flagged & set(left_out)  # only jobs the plan tried to place


def _states(database: Database, ids: list[int]) -> dict[int, tuple[object, ...]]:
    with database.session() as session:
        return {
            c.id: (c.status, c.assigned_technician_id, c.planned_arrival_at, len(c.events))
            for c in session.scalars(select(Case).where(Case.id.in_(ids)))
        }
