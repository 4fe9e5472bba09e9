"""The planner's plain data: jobs, technicians' days, routes, and the figures of a plan.

Times are minutes from the opening of the planned day (09:00 local = 0), so the planner and the
benchmark need no database, calendar or time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from backend.dispatch.travel import Place, travel_matrix, travel_model


@dataclass(frozen=True)
class Job:
    id: int
    place: Place
    product_line: str | None
    service_minutes: int
    ready: float  # earliest arrival: when the job became known (or now, when re-planning)
    due: float  # arrival deadline (R7.14); may lie before `ready` or after the day's end
    carried_over: bool = False  # R7.13
    urgent: bool = False
    pinned_to: int | None = None  # a technician fixed by hand (R4.6) or already under way
    barred: frozenset[int] = frozenset()  # technicians who declined it or let it time out
    # R4.6 pre-assessment: (part code, share of past repairs that needed it)
    likely_parts: tuple[tuple[str, float], ...] = ()

    @property
    def priority(self) -> bool:
        """First in line: yesterday's unfinished jobs (R7.13) and urgent cases."""
        return self.carried_over or self.urgent


@dataclass(frozen=True)
class Crew:
    """One technician's day: where they start, until when, what they are certified for."""

    id: int
    name: str
    start_place: Place
    home: Place
    lines: frozenset[str]  # product lines certified on that day (R4.4)
    start: float  # free from (opening, or now, or when the job in hand ends)
    end: float  # closing: every job is finished by then
    capacity: int  # minutes of on-site work left that day
    van: frozenset[str] = frozenset()  # part codes the van holds (R4.7)

    def missing_parts_risk(self, job: Job) -> float:
        """The expected number of likely parts this van lacks (a second visit's risk)."""
        return sum(share for code, share in job.likely_parts if code not in self.van)

    def can_take(self, job: Job) -> bool:
        """The hard rules that do not depend on the route: the pin and the certification."""
        if (job.pinned_to is not None and job.pinned_to != self.id) or self.id in job.barred:
            return False
        return job.product_line is None or job.product_line in self.lines


@dataclass(frozen=True)
class DayInstance:
    jobs: tuple[Job, ...]
    crews: tuple[Crew, ...]

    def job(self, job_id: int) -> Job:
        return self.jobs_by_id[job_id]

    @property
    def jobs_by_id(self) -> dict[int, Job]:
        return {job.id: job for job in self.jobs}


@dataclass(frozen=True)
class Stop:
    job_id: int
    arrival: float
    departure: float
    travel_minutes: float  # from the previous stop (or the day's start place)
    travel_km: float
    late_minutes: float  # 0 when on time


@dataclass(frozen=True)
class Route:
    crew_id: int
    stops: tuple[Stop, ...]
    home_km: float = 0.0  # the drive home after the last job
    home_minutes: float = 0.0

    @property
    def load_minutes(self) -> float:
        return sum(stop.departure - stop.arrival for stop in self.stops)

    @property
    def travel_km(self) -> float:
        return sum(stop.travel_km for stop in self.stops) + self.home_km

    @property
    def job_ids(self) -> list[int]:
        return [stop.job_id for stop in self.stops]


@dataclass(frozen=True)
class DayPlan:
    routes: dict[int, Route]
    unassigned: dict[int, str] = field(default_factory=dict)  # job id → why

    def route_of(self, job_id: int) -> tuple[Route, int] | None:
        for route in self.routes.values():
            for position, stop in enumerate(route.stops):
                if stop.job_id == job_id:
                    return route, position
        return None


def build_route(crew: Crew, jobs: Sequence[Job]) -> Route:
    """The timeline of `crew` serving `jobs` in order: drive, wait until ready, work."""
    if not jobs:
        return Route(crew.id, ())
    places = [crew.start_place, *(job.place for job in jobs)]
    km, minutes = travel_matrix(places, [*(job.place for job in jobs), crew.home])
    clock = crew.start
    stops = []
    model = travel_model()
    for k, job in enumerate(jobs):
        drive = float(minutes[k, k]) * model.slowdown(clock)  # rush hours (default model)
        arrival = max(clock + drive, job.ready)
        clock = arrival + job.service_minutes
        stops.append(
            Stop(
                job.id,
                arrival,
                clock,
                drive,
                float(km[k, k]),
                max(0.0, arrival - job.due),
            )
        )
    last = len(jobs)
    return Route(crew.id, tuple(stops), float(km[last, last]), float(minutes[last, last]))


def route_violations(crew: Crew, route: Route) -> list[str]:
    """The hard rules a route breaks: working hours and daily capacity."""
    problems = []
    if route.stops and route.stops[-1].departure > crew.end + 1e-6:
        problems.append("past closing")
    if route.load_minutes > crew.capacity + 1e-6:
        problems.append("over daily capacity")
    return problems


@dataclass(frozen=True)
class PlanFigures:
    jobs: int
    on_time: int
    late: int
    lateness_minutes: float
    travel_km: float
    unassigned: int

    @property
    def on_time_ratio(self) -> float:
        return self.on_time / self.jobs if self.jobs else 1.0


def plan_figures(instance: DayInstance, plan: DayPlan, day_end: float) -> PlanFigures:
    """On-time arrivals, lateness and travel; a job left for tomorrow is late when due today."""
    jobs = instance.jobs_by_id
    on_time = late = 0
    lateness = 0.0
    for route in plan.routes.values():
        for stop in route.stops:
            if stop.late_minutes > 0:
                late += 1
                lateness += stop.late_minutes
            else:
                on_time += 1
    for job_id in plan.unassigned:
        job = jobs[job_id]
        if job.due < day_end:
            late += 1
            lateness += day_end - max(job.due, 0.0)
        else:
            on_time += 1  # due after today's close: waiting for tomorrow is not late yet
    travel = sum(route.travel_km for route in plan.routes.values())
    return PlanFigures(len(instance.jobs), on_time, late, lateness, travel, len(plan.unassigned))


def loads(plan: DayPlan) -> Mapping[int, float]:
    return {crew_id: route.load_minutes for crew_id, route in plan.routes.items()}


def certified_crews(crews: Iterable[Crew], job: Job) -> list[Crew]:
    return [crew for crew in crews if crew.can_take(job)]
