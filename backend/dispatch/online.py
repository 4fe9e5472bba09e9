"""Changes between plans: one new job inserted into the current routes at once (R4.6), and the
greedy baseline that the benchmark compares the planner with."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backend.dispatch.day import (
    Crew,
    DayInstance,
    DayPlan,
    Job,
    Route,
    Stop,
    build_route,
    route_violations,
)
from backend.dispatch.travel import travel_matrix

# A likely part missing from the van risks a second visit: a soft preference worth this many
# minutes of extra driving per expected missing part (never above an on-time arrival).
VAN_MISS_MINUTES = 20.0


@dataclass(frozen=True)
class Insertion:
    """`job` placed at `position` in `crew`'s route, and what that costs."""

    crew: Crew
    position: int
    route: Route
    late_added: int  # late arrivals added on this route, the new job's included
    lateness_added: float
    travel_added: float  # minutes of driving added
    load_minutes: float  # the technician's on-site minutes that day, with this job
    missing_risk: float = 0.0  # expected likely parts the van lacks (R4.7)

    @property
    def stop(self) -> Stop:
        return self.route.stops[self.position]

    def rank(self) -> tuple[float, ...]:
        """The planner's order: late arrivals, lateness, travel (with the soft van preference:
        each expected missing likely part counts as `VAN_MISS_MINUTES` of driving), then the
        lighter day."""
        return (
            self.late_added,
            round(self.lateness_added, 1),
            round(self.travel_added + VAN_MISS_MINUTES * self.missing_risk, 1),
            round(self.load_minutes),
            self.crew.id,
        )


def insertions(instance: DayInstance, plan: DayPlan, job: Job) -> list[Insertion]:
    """The best place for `job` in each technician's route, best technician first."""
    jobs = instance.jobs_by_id
    found: list[Insertion] = []
    for crew in instance.crews:
        if not crew.can_take(job) or job.ready + job.service_minutes > crew.end:
            continue
        route = plan.routes.get(crew.id, Route(crew.id, ()))
        if route.load_minutes + job.service_minutes > crew.capacity + 1e-6:
            continue  # over capacity in any position (route_violations): no route to build
        choice = _best_position(crew, route, [jobs[i] for i in route.job_ids], job)
        if choice is not None:
            found.append(choice)
    found.sort(key=Insertion.rank)
    return found


def _travel_minutes(route: Route) -> float:
    return sum(stop.travel_minutes for stop in route.stops) + route.home_minutes


def _best_position(crew: Crew, route: Route, sequence: list[Job], job: Job) -> Insertion | None:
    to_km, to_min = travel_matrix([crew.start_place, *(j.place for j in sequence)], [job.place])
    from_km, from_min = travel_matrix([job.place], [*(j.place for j in sequence), crew.home])
    legs = _Legs(to_km[:, 0], to_min[:, 0], from_km[0], from_min[0])
    late_before = sum(1 for s in route.stops if s.late_minutes > 0)
    lateness_before = sum(s.late_minutes for s in route.stops)
    chosen: Insertion | None = None
    for position in range(len(sequence) + 1):
        candidate = _inserted(crew, route, sequence, job, position, legs)
        if route_violations(crew, candidate):
            continue
        insertion = Insertion(
            crew,
            position,
            candidate,
            sum(1 for s in candidate.stops if s.late_minutes > 0) - late_before,
            sum(s.late_minutes for s in candidate.stops) - lateness_before,
            _travel_minutes(candidate) - _travel_minutes(route),
            candidate.load_minutes,
            crew.missing_parts_risk(job),
        )
        if chosen is None or insertion.rank() < chosen.rank():
            chosen = insertion
    return chosen


@dataclass(frozen=True)
class _Legs:
    """Drives to the new job from each earlier place, and from it to each later place."""

    to_km: np.ndarray
    to_min: np.ndarray
    from_km: np.ndarray
    from_min: np.ndarray


def _inserted(
    crew: Crew, route: Route, sequence: list[Job], job: Job, position: int, legs: _Legs
) -> Route:
    """The route with `job` at `position`: earlier stops stay, later ones shift."""
    stops = list(route.stops[:position])
    clock = stops[-1].departure if stops else crew.start
    arrival = max(clock + float(legs.to_min[position]), job.ready)
    clock = arrival + job.service_minutes
    stops.append(
        Stop(
            job.id,
            arrival,
            clock,
            float(legs.to_min[position]),
            float(legs.to_km[position]),
            max(0.0, arrival - job.due),
        )
    )
    for k in range(position, len(sequence)):
        old, following = route.stops[k], sequence[k]
        first = k == position
        leg_min = float(legs.from_min[k]) if first else old.travel_minutes
        leg_km = float(legs.from_km[k]) if first else old.travel_km
        arrival = max(clock + leg_min, following.ready)
        if not first and abs(arrival - old.arrival) < 1e-9:
            stops.extend(route.stops[k:])  # the rest of the day is unchanged
            break
        clock = arrival + following.service_minutes
        stops.append(
            Stop(following.id, arrival, clock, leg_min, leg_km, max(0.0, arrival - following.due))
        )
    if position == len(sequence):
        return Route(crew.id, tuple(stops), float(legs.from_km[-1]), float(legs.from_min[-1]))
    return Route(crew.id, tuple(stops), route.home_km, route.home_minutes)


def greedy_plan(instance: DayInstance) -> DayPlan:
    """The baseline: each job, in the order it arrived, to the certified technician who can
    arrive first, appended to the end of their day."""
    sequences: dict[int, list[Job]] = {crew.id: [] for crew in instance.crews}
    free_at = {crew.id: crew.start for crew in instance.crews}
    where = {crew.id: crew.start_place for crew in instance.crews}
    worked = {crew.id: 0 for crew in instance.crews}
    unassigned: dict[int, str] = {}
    for job in sorted(instance.jobs, key=lambda j: (j.ready, j.id)):
        crews = [
            crew
            for crew in instance.crews
            if crew.can_take(job) and worked[crew.id] + job.service_minutes <= crew.capacity
        ]
        if not crews:
            unassigned[job.id] = "no certified technician can fit it in"
            continue
        _, minutes = travel_matrix([where[crew.id] for crew in crews], [job.place])
        arrivals = [
            (max(free_at[crew.id] + float(minutes[k, 0]), job.ready), crew.id, crew)
            for k, crew in enumerate(crews)
        ]
        possible = [a for a in arrivals if a[0] + job.service_minutes <= a[2].end]
        if not possible:
            unassigned[job.id] = "no certified technician can fit it in"
            continue
        arrival, _, crew = min(possible, key=lambda a: (a[0], a[1]))
        sequences[crew.id].append(job)
        free_at[crew.id] = arrival + job.service_minutes
        where[crew.id] = job.place
        worked[crew.id] += job.service_minutes
    routes = {crew.id: build_route(crew, sequences[crew.id]) for crew in instance.crews}
    return DayPlan(routes, unassigned)
