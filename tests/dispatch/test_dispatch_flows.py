"""Dispatch through the API, the duties and the CLI, on a real database: who goes, when, why."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from backend.calendar import calendar_for
from backend.cases.models import Case
from backend.db import Database
from backend.dispatch.duties import acceptance_timeouts, help_replans, morning_plan
from backend.dispatch.flows import replan_day
from backend.dispatch.models import DispatchPin, PlanRun, PlanStop
from backend.outbox.models import OutboundMessage
from backend.settings import Settings
from backend.tasks.models import Task
from tests.conftest import Clock
from tests.factories import Personas, act, create_case, repair_body

CITY_HALL = {"lat": 37.5665, "lon": 126.9780}
NEAR = (37.5700, 126.9800)
FAR = (37.2636, 127.0286)  # Suwon


def _repair(client: FlaskClient, people: Personas, **location: float) -> dict[str, Any]:
    body = repair_body(location=location or CITY_HALL)
    return create_case(client, people.headers(), body)


def _assign_note(case: dict[str, Any]) -> str:
    return [e["note"] for e in case["events"] if e["action"] == "assign"][-1]


def test_the_nearest_certified_technician_gets_it_and_the_reason_names_the_runner_up(
    client: FlaskClient, people: Personas
) -> None:
    people.product()
    people.technician("김가까", phone="010-2000-0001", home=NEAR)
    people.technician("박멀리", phone="010-2000-0002", home=FAR)
    case = _repair(client, people)
    assert case["assigned_technician"]["name"] == "김가까"
    assert case["planned_arrival_at"] is not None
    note = _assign_note(case)
    assert "박멀리" in note and "에어컨 인증" in note


def test_an_expired_certification_is_never_used(
    client: FlaskClient, people: Personas, clock: Clock
) -> None:
    people.product()
    yesterday = date(2026, 11, 24)
    people.technician(
        "김만료", phone="010-2000-0001", home=NEAR, lines={"air_conditioner": yesterday}
    )
    people.technician("박유효", phone="010-2000-0002", home=FAR)
    case = _repair(client, people)
    assert case["assigned_technician"]["name"] == "박유효"  # R4.4, even though further away


def test_the_only_certified_technician_gets_it_even_when_further_away(
    client: FlaskClient, people: Personas
) -> None:
    people.product(model="TV-1", line="television")
    people.technician("김가까", phone="010-2000-0001", home=NEAR)
    people.technician(
        "박티비", phone="010-2000-0002", home=FAR, lines={"television": date(2030, 1, 1)}
    )
    case = create_case(client, people.headers(), repair_body(model="TV-1", location=CITY_HALL))
    assert case["assigned_technician"]["name"] == "박티비"


def test_a_decline_reassigns_to_someone_else(client: FlaskClient, people: Personas) -> None:
    people.product()
    people.technician("김가까", phone="010-2000-0001", home=NEAR)
    people.technician("박멀리", phone="010-2000-0002", home=FAR)
    case = _repair(client, people)
    after = act(
        client, people.headers("repair_manager"), case["number"], "decline", {"reason": "busy"}
    )
    assert after["assigned_technician"]["name"] == "박멀리"
    assert after["status"] == "assigned"


def test_no_acceptance_within_fifteen_minutes_reassigns(
    client: FlaskClient, people: Personas, database: Database, settings: Settings, clock: Clock
) -> None:
    people.product()
    people.technician("김가까", phone="010-2000-0001", home=NEAR)
    people.technician("박멀리", phone="010-2000-0002", home=FAR)
    case = _repair(client, people)
    with database.session() as session:
        assert acceptance_timeouts(session, settings, clock.advance(minutes=10)) == 0
    with database.session() as session:
        assert acceptance_timeouts(session, settings, clock.advance(minutes=6)) == 1
    with database.session() as session:
        stored = session.scalar(select(Case).where(Case.number == case["number"]))
        assert stored is not None and stored.assigned_technician is not None
        assert stored.assigned_technician.name == "박멀리"
        assert any(e.action == "acceptance_timeout" for e in stored.events)
        assert acceptance_timeouts(session, settings, clock()) == 0  # the same moment again


def test_a_manual_override_is_kept_with_its_reason_through_a_replan(
    client: FlaskClient, people: Personas, database: Database, settings: Settings, clock: Clock
) -> None:
    people.product()
    people.technician("김가까", phone="010-2000-0001", home=NEAR)
    far = people.technician("박멀리", phone="010-2000-0002", home=FAR)
    case = _repair(client, people)
    after = act(
        client,
        people.headers("repair_manager"),
        case["number"],
        "assign",
        {"technician_id": far, "reason": "the customer asked for him"},
    )
    assert after["assigned_technician"]["name"] == "박멀리"
    assert "the customer asked for him" in _assign_note(after)
    assert "김가까" in _assign_note(after)  # the planner's own choice, as the runner-up
    calendar = calendar_for(settings)
    with database.session() as session:
        replan_day(
            session,
            calendar=calendar,
            settings=settings,
            day=calendar.local_date(clock()),
            now=clock(),
            kind="manual",
        )
    with database.session() as session:
        stored = session.scalar(select(Case).where(Case.number == case["number"]))
        assert stored is not None and stored.assigned_technician_id == far
        assert session.get(DispatchPin, stored.id) is not None


def test_a_holiday_has_no_plan(database: Database, settings: Settings, people: Personas) -> None:
    people.technician()
    christmas = date(2026, 12, 25)
    with database.session() as session:
        run = replan_day(
            session,
            calendar=calendar_for(settings),
            settings=settings,
            day=christmas,
            now=datetime(2026, 12, 24, 23, 0, tzinfo=UTC),
            kind="manual",
        )
        assert run is None
        assert session.scalars(select(PlanStop).where(PlanStop.day == christmas)).all() == []


def test_the_morning_plan_runs_once_and_pushes_each_technician_their_day(
    client: FlaskClient, people: Personas, database: Database, settings: Settings, clock: Clock
) -> None:
    people.product()
    people.technician("김가까", phone="010-2000-0001", home=NEAR, telegram_chat_id=7001)
    _repair(client, people)
    _repair(client, people, lat=37.55, lon=126.99)
    # Thursday 26 November, 08:00 in Seoul: before opening.
    morning = datetime(2026, 11, 25, 23, 0, tzinfo=UTC)
    with database.session() as session:
        assert morning_plan(session, settings, morning) == 1
    with database.session() as session:
        assert morning_plan(session, settings, morning + timedelta(minutes=1)) == 0
        pushes = session.scalars(
            select(OutboundMessage).where(OutboundMessage.purpose == "day_plan")
        ).all()
        assert len(pushes) == 1 and "AS-2026-" in pushes[0].payload["text"]


def test_need_help_escalates_at_once_and_the_next_tick_replans_the_day(
    client: FlaskClient, people: Personas, database: Database, settings: Settings, clock: Clock
) -> None:
    people.product()
    near = people.technician("김가까", phone="010-2000-0001", home=NEAR)
    people.technician("박멀리", phone="010-2000-0002", home=FAR)
    first = _repair(client, people)
    assert first["assigned_technician"]["id"] == near
    arriving = datetime.fromisoformat(first["planned_arrival_at"])
    assert arriving < clock() + timedelta(minutes=15)
    manager = people.headers("repair_manager")
    act(client, manager, first["number"], "escalate", {"reason": "need a second pair of hands"})
    with database.session() as session:
        # R7.9: the director is told at once; the re-plan is not done inside the request.
        titles = session.scalars(select(Task.title).where(Task.kind == "escalation")).all()
        assert any(first["number"] in title for title in titles)
        assert session.scalars(select(PlanRun)).all() == []
    later = clock.advance(minutes=1)
    with database.session() as session:
        assert help_replans(session, settings, later) == 1
    with database.session() as session:
        assert help_replans(session, settings, later) == 0  # the same moment again
        run = session.scalar(select(PlanRun))
        assert run is not None and run.kind == "help"
        held = session.scalar(select(Case).where(Case.number == first["number"]))
        # The one who asked is held up an hour; the other is further away than that.
        assert held is not None and held.planned_arrival_at is not None
        assert held.planned_arrival_at >= later + timedelta(minutes=59)


def test_a_manager_sees_who_goes_when_and_why(
    client: FlaskClient, people: Personas, clock: Clock
) -> None:
    people.product()
    people.technician("김가까", phone="010-2000-0001", home=NEAR)
    case = _repair(client, people)
    answer = client.get("/api/v1/plans/2026-11-25", headers=people.headers("repair_manager"))
    assert answer.status_code == 200
    plan = answer.get_json()
    stop = plan["technicians"][0]["stops"][0]
    assert stop["case"] == case["number"] and stop["why"] and stop["planned_arrival_at"]
    bad = client.get("/api/v1/plans/yesterday", headers=people.headers("repair_manager"))
    assert bad.status_code == 422 or bad.status_code == 400
    assert (
        client.get("/api/v1/plans/2026-11-25", headers=people.headers("technician")).status_code
        == 403
    )
