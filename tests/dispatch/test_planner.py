"""The planner on small plain-data days whose right answer is known (no database)."""

from __future__ import annotations

from backend.dispatch.model import Crew, DayInstance, Job
from backend.dispatch.online import greedy_plan, insertions
from backend.dispatch.solver import PlannerOptions, plan_day
from backend.dispatch.synthetic import generate_day
from backend.dispatch.travel import Place, travel

CITY_HALL = Place(37.5665, 126.9780, "city")
GANGNAM = Place(37.5000, 127.0366, "city")
SUWON = Place(37.2636, 127.0286, "suburb")
QUICK = PlannerOptions(time_limit_s=5, solution_limit=300)


def crew(crew_id: int, place: Place, lines: set[str], capacity: int = 480) -> Crew:
    return Crew(crew_id, f"T{crew_id}", place, place, frozenset(lines), 0.0, 540.0, capacity)


def job(job_id: int, place: Place = CITY_HALL, *, line: str = "air_conditioner",
        service: int = 60, ready: float = 0.0, due: float = 360.0, **extra: object) -> Job:
    return Job(job_id, place, line, service, ready, due, **extra)  # type: ignore[arg-type]


def test_travel_is_slower_in_the_city_and_grows_with_distance() -> None:
    km, minutes = travel(CITY_HALL, GANGNAM)
    assert 8 < km < 15 and 20 < minutes < 45
    _, to_suwon = travel(CITY_HALL, SUWON)
    assert to_suwon > minutes


def test_the_only_certified_technician_gets_the_job_even_when_further_away() -> None:
    day = DayInstance((job(1, GANGNAM, line="television"),),
                      (crew(1, GANGNAM, {"air_conditioner"}), crew(2, SUWON, {"television"})))
    plan = plan_day(day, QUICK)
    assert plan.routes[2].job_ids == [1] and plan.routes[1].job_ids == []
    empty = plan_day(DayInstance((), day.crews))
    assert [o.crew.id for o in insertions(day, empty, day.jobs[0])] == [2]


def test_a_job_no_one_is_certified_for_is_left_with_the_reason() -> None:
    day = DayInstance((job(1, line="television"),), (crew(1, CITY_HALL, {"air_conditioner"}),))
    plan = plan_day(day, QUICK)
    assert "certified for television" in plan.unassigned[1]


def test_a_carried_over_job_goes_first() -> None:
    # Same place, same deadline far away: only R7.13 decides the order.
    day = DayInstance((job(1, due=2000), job(2, due=2000, carried_over=True), job(3, due=2000)),
                      (crew(1, CITY_HALL, {"air_conditioner"}),))
    plan = plan_day(day, QUICK)
    assert plan.routes[1].job_ids[0] == 2


def test_when_two_cannot_both_be_on_time_the_plan_has_fewer_late_arrivals() -> None:
    # Serving 1, 2, 3 in that order is 20 minutes late in total but late twice; 1, 3, 2 is
    # 50 minutes late once. The number of late arrivals counts first (R7.14).
    day = DayInstance((job(1, service=40, due=0), job(2, service=50, due=30),
                       job(3, service=40, due=80)), (crew(1, CITY_HALL, {"air_conditioner"}),))
    plan = plan_day(day, QUICK)
    assert plan.routes[1].job_ids == [1, 3, 2]
    assert [s.late_minutes > 0 for s in plan.routes[1].stops] == [False, False, True]


def test_daily_capacity_and_closing_time_are_never_exceeded() -> None:
    jobs = tuple(job(i, service=120, due=2000) for i in range(1, 6))
    day = DayInstance(jobs, (crew(1, CITY_HALL, {"air_conditioner"}, capacity=300),))
    plan = plan_day(day, QUICK)
    assert len(plan.routes[1].stops) == 2 and len(plan.unassigned) == 3
    assert plan.routes[1].stops[-1].departure <= 540


def test_a_pinned_job_stays_with_its_technician() -> None:
    day = DayInstance((job(1, SUWON, pinned_to=1),),
                      (crew(1, CITY_HALL, {"air_conditioner"}),
                       crew(2, SUWON, {"air_conditioner"})))
    assert plan_day(day, QUICK).routes[1].job_ids == [1]


def test_the_planner_beats_greedy_on_a_generated_day() -> None:
    day = generate_day(3, 40, 6)
    planned, greedy = plan_day(day, QUICK), greedy_plan(day)
    late = lambda p: sum(1 for r in p.routes.values() for s in r.stops if s.late_minutes > 0)  # noqa: E731
    served = lambda p: sum(len(r.stops) for r in p.routes.values())  # noqa: E731
    assert (late(planned), -served(planned)) <= (late(greedy), -served(greedy))


def test_plans_are_deterministic_for_a_fixed_seed() -> None:
    first = plan_day(generate_day(11, 30, 5), QUICK)
    second = plan_day(generate_day(11, 30, 5), QUICK)
    assert {c: r.job_ids for c, r in first.routes.items()} == {
        c: r.job_ids for c, r in second.routes.items()}
    assert first.unassigned == second.unassigned
