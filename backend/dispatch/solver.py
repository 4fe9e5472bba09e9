"""The day planner: OR-Tools routing over every technician's day (area by area on a large day),
finished by the deterministic passes of improve.py.

Objectives in order (R7.14, R7.13): fewest late arrivals, then least total lateness, then
yesterday's and urgent jobs early, then serving today the jobs due later, then travel, then
balance. The order is kept by the size of the weights. A job may be visited as one of two nodes:
its "on time" node, whose time window closes at the deadline, or its "late" node, which costs a
fixed LATE_ARRIVAL plus a soft upper bound per minute past the deadline. The solver therefore
counts late arrivals instead of only adding up minutes. A job due today left out costs more than
any late arrival; a job due after closing is served today whenever that delays no one into
lateness.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from backend.dispatch.day import Crew, DayInstance, DayPlan, Job, Route, build_route
from backend.dispatch.improve import fill_leftovers, relieve_late_jobs, shorten_drives
from backend.dispatch.online import greedy_plan
from backend.dispatch.travel import Place, travel_matrix

logger = logging.getLogger(__name__)

TRAVEL_PER_MINUTE = 10
BALANCE_PER_MINUTE = 2  # on the busiest technician's on-site minutes
PRIORITY_PER_MINUTE = 25  # a carried-over or urgent job waiting costs more than a detour
LATENESS_PER_MINUTE = 2_000
LATE_ARRIVAL = 4_000_000  # more than any job's lateness (≤ 1,440 min × 2,000)
DROP_DUE_TODAY = 100_000_000
DROP_DUE_LATER = 1_500  # below one minute of lateness, above 150 minutes of driving: a job due
# after closing is served today when a technician has room, never at a customer's expense
LOCAL_SEARCH_NEIGHBOURS = 60
SPLIT_JOBS = 120  # a larger day is planned area by area
AREA_JOBS = 75  # jobs per area when a large day is split (measured: 50–100 beat 150 and 200)
# The default budget: a count of solutions, with a wall-clock cap only as a safety net. Issue 17,
# measured on the benchmark's days against the planner's own 60 s solve (it trailed by 16 %
# lateness and 18 % travel at 200 jobs with 1.5 per job): 3.5 per job matches it at 200 jobs
# (325 min, 1,528 km; 12 s) and 2.5 per job comes within 2 % of it at 1,000 (1,267 min against
# 1,250, 4,572 km against 4,555; 24 s, inside the 30 s a 1,000-job day may take — 3 per job was
# 2 % better than the 60 s solve but took 40 s). The search's time grows faster than its
# solutions (4 per job took twice 3.5's time at 200 jobs), so a large day gets the smaller figure.
SOLUTIONS_PER_JOB = 3.5
SOLUTIONS_PER_JOB_LARGE = 2.5
LARGE_DAY_JOBS = 300  # more jobs than this: SOLUTIONS_PER_JOB_LARGE
MIN_SOLUTIONS = 50
SECONDS_CAP_PER_JOB = 0.15  # the safety net: about 2.5 × an idle 2-core machine's time
MIN_SECONDS = 5.0
MAX_SECONDS = 120.0
FIRST_SOLUTION = "PARALLEL_CHEAPEST_INSERTION"  # the second start, besides the greedy day
METAHEURISTIC = "GUIDED_LOCAL_SEARCH"  # measured against tabu search and simulated annealing
MIN_JOBS_FOR_METAHEURISTIC = 3  # below, plain descent: guided search finds no new solutions on
# one or two jobs and would run until the time cap


@dataclass(frozen=True)
class PlannerOptions:
    """How long the search goes on.

    By default it is a count of solutions per search (SOLUTIONS_PER_JOB per job), so the same
    day always gives the same plan; the time cap is only a safety net on an overloaded machine.
    A time limit instead (`time_limit_s`) is a wall-clock budget: better use of a fast machine,
    but not reproducible.
    """

    time_limit_s: float | None = None  # a wall-clock budget instead of the solution count
    solution_limit: int | None = None  # solutions over the day's searches, instead of the default
    log_search: bool = False  # OR-Tools prints its search (settings: DISPATCH_SOLVER_LOG)
    safety_cap_s: float | None = None  # the wall-clock safety net instead of the default one

    def limits(self, jobs: int) -> tuple[float, int | None]:
        """(seconds, solutions) for a day of `jobs` jobs, over all its searches."""
        if self.time_limit_s is not None:
            return self.time_limit_s, self.solution_limit
        per_job = SOLUTIONS_PER_JOB if jobs <= LARGE_DAY_JOBS else SOLUTIONS_PER_JOB_LARGE
        solutions = self.solution_limit or max(MIN_SOLUTIONS, int(per_job * jobs))
        cap = min(MAX_SECONDS, max(MIN_SECONDS, jobs * SECONDS_CAP_PER_JOB))
        return self.safety_cap_s or cap, solutions

    def budget(self, jobs: int) -> float:
        """The wall-clock cap for a day of `jobs` jobs."""
        return self.limits(jobs)[0]


@dataclass(frozen=True)
class _Node:
    job: Job | None  # None for a start or an end node
    late: bool = False


def unreachable_reason(job: Job, crews: tuple[Crew, ...]) -> str | None:
    """Why no one can take `job` today, before any routing (the manager is told this)."""
    certified = [crew for crew in crews if crew.can_take(job)]
    if job.pinned_to is not None and not certified:
        return "the technician it is fixed to is not available or not certified that day"
    if job.barred and not certified:
        return "every certified technician working that day has declined it"
    if not certified:
        return "no technician working that day is certified for this product line"
    if all(job.ready + job.service_minutes > crew.end for crew in certified):
        return "too late in the day to finish it before closing"
    return None


def plan_day(
    instance: DayInstance, options: PlannerOptions | None = None, initial: DayPlan | None = None
) -> DayPlan:
    """The best day plan found within the budget (the same plan for the same day by default)."""
    options = options or PlannerOptions()
    crews = instance.crews
    unassigned: dict[int, str] = {}
    routable: list[Job] = []
    for job in instance.jobs:
        reason = unreachable_reason(job, crews)
        if reason:
            unassigned[job.id] = reason
        else:
            routable.append(job)
    if not routable or not crews:
        return DayPlan({crew.id: Route(crew.id, ()) for crew in crews}, unassigned)
    day = DayInstance(tuple(routable), crews)
    seconds, solutions = options.limits(len(routable))
    budget = _Budget(seconds, solutions, time.monotonic() + seconds, options.log_search)
    if len(routable) > SPLIT_JOBS:
        # A large day: areas of AREA_JOBS jobs, each searched with its share of the budget.
        plan = _plan_by_area(day, budget, initial)
    else:
        plan = _search(day, budget, initial)
    best = _finish(day, plan)
    for job in routable:
        if best.route_of(job.id) is None:
            unassigned[job.id] = "no capacity left that day"
    return DayPlan(best.routes, unassigned)


def _finish(day: DayInstance, plan: DayPlan) -> DayPlan:
    """Late jobs moved where they are less late, left-over jobs given room, drives shortened
    (which makes room for more); never worse than the greedy baseline given the same room."""
    closing = max(crew.end for crew in day.crews)
    finished = fill_leftovers(day, relieve_late_jobs(day, plan), closing)
    finished = fill_leftovers(day, shorten_drives(day, finished), closing)
    baseline = fill_leftovers(day, greedy_plan(day), closing)
    return min((finished, baseline), key=lambda candidate: _rank(day, candidate))


@dataclass(frozen=True)
class _Budget:
    """A search's budget: a share of the solutions, or of the seconds when none are counted."""

    seconds: float
    solutions: int | None
    deadline: float  # time.monotonic() at which the whole day's planning must stop
    log_search: bool = False

    def share(self, fraction: float) -> _Budget:
        solutions = None if self.solutions is None else max(1, round(self.solutions * fraction))
        return _Budget(self.seconds * fraction, solutions, self.deadline, self.log_search)

    def search_seconds(self) -> float:
        """Counted solutions stop the search; the day's deadline is only a safety net then."""
        if self.solutions is None:
            return self.seconds
        return max(0.1, self.deadline - time.monotonic())


def _search(day: DayInstance, budget: _Budget, initial: DayPlan | None) -> DayPlan:
    """OR-Tools from two starts, the better plan wins: guided local search from the previous
    plan (when re-planning) or from the greedy day; and OR-Tools' parallel cheapest insertion."""
    reachable = tuple(job for job in day.jobs if unreachable_reason(job, day.crews) is None)
    crews = day.crews
    empty = DayPlan({crew.id: Route(crew.id, ()) for crew in crews})
    if not reachable:
        return empty
    day = DayInstance(reachable, crews)
    starts: list[DayPlan | None] = [initial or greedy_plan(day)]
    if initial is None:
        starts.append(None)
    plans = []
    for start in starts:
        model = _RoutingModel(crews, list(reachable), late_variants=True)
        share = budget.share(1 / len(starts))
        solution = model.solve(share.search_seconds(), share.solutions, start, share.log_search)
        if solution is not None:
            sequences = model.sequences(solution)
            plans.append(
                DayPlan({crew.id: build_route(crew, sequences.get(crew.id, [])) for crew in crews})
            )
    if not plans:
        logger.warning("the solver found no plan for %d jobs", len(reachable))
        return empty
    return min(plans, key=lambda plan: _rank(day, plan))


def _plan_by_area(day: DayInstance, budget: _Budget, initial: DayPlan | None) -> DayPlan:
    """Split the day into areas of about AREA_JOBS jobs around groups of technicians' homes,
    search each with its share of the budget, and put the plans together."""
    areas = _areas(day, math.ceil(len(day.jobs) / AREA_JOBS))
    routes: dict[int, Route] = {}
    for crews, jobs in areas:
        if not jobs:
            continue
        area = DayInstance(tuple(jobs), tuple(crews))
        plan = _search(area, budget.share(len(jobs) / len(day.jobs)), _restricted(initial, area))
        routes.update({c: r for c, r in plan.routes.items() if r.stops})
    return DayPlan(routes)


def _restricted(plan: DayPlan | None, area: DayInstance) -> DayPlan | None:
    """The previous plan's routes of an area's technicians, with the area's jobs only."""
    if plan is None:
        return None
    jobs = area.jobs_by_id
    routes = {
        crew.id: build_route(crew, [jobs[i] for i in plan.routes[crew.id].job_ids if i in jobs])
        for crew in area.crews
        if crew.id in plan.routes
    }
    return DayPlan(routes) if any(route.stops for route in routes.values()) else None


def _areas(day: DayInstance, count: int) -> list[tuple[list[Crew], list[Job]]]:
    """Technicians grouped by home (k-means, deterministic), each job with the group of the
    nearest technician who can take it."""
    homes = np.array([[c.start_place.lat, c.start_place.lon] for c in day.crews])
    order = np.lexsort((homes[:, 1], homes[:, 0]))
    centres = homes[order[np.linspace(0, len(homes) - 1, count).astype(int)]]
    for _ in range(10):
        group = np.argmin(((homes[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2), axis=1)
        centres = np.array(
            [
                homes[group == k].mean(axis=0) if (group == k).any() else centres[k]
                for k in range(count)
            ]
        )
    _, minutes = travel_matrix([c.start_place for c in day.crews], [j.place for j in day.jobs])
    areas: list[tuple[list[Crew], list[Job]]] = [
        ([c for c, g in zip(day.crews, group, strict=True) if g == k], []) for k in range(count)
    ]
    for j, job in enumerate(day.jobs):
        able = [v for v, crew in enumerate(day.crews) if crew.can_take(job)]
        nearest = min(able, key=lambda v: minutes[v, j])
        areas[int(group[nearest])][1].append(job)
    return [(crews, jobs) for crews, jobs in areas if crews]


def _rank(day: DayInstance, plan: DayPlan) -> tuple[float, ...]:
    """The objectives in order: late arrivals (a job due today left out counts), lateness,
    jobs left for tomorrow, travel."""
    closing = max(crew.end for crew in day.crews)
    served = {stop.job_id: stop for route in plan.routes.values() for stop in route.stops}
    left = [job for job in day.jobs if job.id not in served]
    late = sum(1 for stop in served.values() if stop.late_minutes > 0)
    late += sum(1 for job in left if job.due < closing)
    lateness = sum(stop.late_minutes for stop in served.values())
    lateness += sum(closing - max(job.due, 0.0) for job in left if job.due < closing)
    travel = sum(route.travel_km for route in plan.routes.values())
    return (late, round(lateness), len(left), travel)


class _RoutingModel:
    """One OR-Tools routing model for a day: built, solved, read back."""

    def __init__(self, crews: tuple[Crew, ...], jobs: list[Job], *, late_variants: bool) -> None:
        self.crews = crews
        self.jobs = jobs
        self.nodes: list[_Node] = [_Node(None)] * (2 * len(crews))
        places: list[Place] = [c.start_place for c in crews] + [c.home for c in crews]
        for job in jobs:
            on_time = _on_time_window(job, crews) is not None
            # A job due after the last possible start is never late: it needs no late node.
            can_be_late = job.due < _window(job, crews)[1]
            variants = [False, True] if late_variants and on_time and can_be_late else [not on_time]
            for late in variants:
                self.nodes.append(_Node(job, late=late))
                places.append(job.place)
        vehicles = len(crews)
        self.manager = pywrapcp.RoutingIndexManager(
            len(self.nodes), vehicles, list(range(vehicles)), list(range(vehicles, 2 * vehicles))
        )
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._build(places)

    def _build(self, places: list[Place]) -> None:
        _, minutes = travel_matrix(places, places)
        drive = np.ceil(minutes).astype(np.int64)  # rounded up: a plan on time here is on time
        self.drive = drive
        service = np.array(
            [n.job.service_minutes if n.job else 0 for n in self.nodes], dtype=np.int64
        )
        transit = drive + service[:, None]
        routing = self.routing
        late_cost = np.array([_late_cost(n) for n in self.nodes], dtype=np.int64)
        cost = drive * TRAVEL_PER_MINUTE + late_cost[None, :]
        cost_index = routing.RegisterTransitMatrix(cost.tolist())
        routing.SetArcCostEvaluatorOfAllVehicles(cost_index)
        time_index = routing.RegisterTransitMatrix(transit.tolist())
        horizon = int(max(c.end for c in self.crews)) + 24 * 60
        routing.AddDimension(time_index, horizon, horizon, False, "time")
        self.time = routing.GetDimensionOrDie("time")
        work_index = routing.RegisterUnaryTransitVector(service.tolist())
        routing.AddDimensionWithVehicleCapacity(
            work_index, 0, [int(c.capacity) for c in self.crews], True, "work"
        )
        routing.GetDimensionOrDie("work").SetGlobalSpanCostCoefficient(BALANCE_PER_MINUTE)
        self._certifications()
        self._vehicle_windows()
        self._job_nodes()

    def _certifications(self) -> None:
        """R4.4 as one capacity per product line: zero for a technician not certified on it.

        Capacities are checked by the fast local-search filters, so moves that would hand a job
        to an uncertified technician are rejected before any propagation.
        """
        lines = sorted({job.product_line for job in self.jobs if job.product_line})
        for line in lines:
            demand = [
                1 if n.job is not None and n.job.product_line == line else 0 for n in self.nodes
            ]
            capacities = [len(self.nodes) if line in crew.lines else 0 for crew in self.crews]
            index = self.routing.RegisterUnaryTransitVector(demand)
            self.routing.AddDimensionWithVehicleCapacity(
                index, 0, capacities, True, f"certified:{line}"
            )

    def _vehicle_windows(self) -> None:
        for vehicle, crew in enumerate(self.crews):
            start = self.routing.Start(vehicle)
            self.time.CumulVar(start).SetRange(int(math.ceil(crew.start)), int(crew.end))
            self.routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(start))
            self.routing.AddVariableMinimizedByFinalizer(
                self.time.CumulVar(self.routing.End(vehicle))
            )

    def _job_nodes(self) -> None:
        by_job: dict[int, list[int]] = {}
        for node, entry in enumerate(self.nodes):
            if entry.job is None:
                continue
            job = entry.job
            index = self.manager.NodeToIndex(node)
            by_job.setdefault(job.id, []).append(index)
            if job.pinned_to is not None or job.barred:
                # SetAllowedVehiclesForIndex takes no Python list in OR-Tools 9.15 (absl::Span);
                # the vehicle variable says the same, -1 meaning "left out". Pins are few.
                allowed = [v for v, crew in enumerate(self.crews) if crew.can_take(job)]
                self.routing.VehicleVar(index).SetValues([-1, *allowed])
            earliest, latest = _window(job, self.crews)
            cumul = self.time.CumulVar(index)
            if entry.late:
                cumul.SetRange(earliest, latest)
                self.time.SetCumulVarSoftUpperBound(
                    index, max(0, int(job.due)), LATENESS_PER_MINUTE
                )
            else:
                cumul.SetRange(*(_on_time_window(job, self.crews) or (earliest, latest)))
                if job.priority:
                    self.time.SetCumulVarSoftUpperBound(index, earliest, PRIORITY_PER_MINUTE)
        for job in self.jobs:
            penalty = DROP_DUE_TODAY if job.due < max(c.end for c in self.crews) else DROP_DUE_LATER
            if job.priority:
                penalty *= 2
            self.routing.AddDisjunction(by_job[job.id], penalty, 1)

    def solve(
        self,
        seconds: float,
        solution_limit: int | None,
        start: DayPlan | None,
        log_search: bool = False,
    ) -> pywrapcp.Assignment | None:
        """Improve `start` (or OR-Tools' parallel cheapest insertion) for `seconds`."""
        parameters = pywrapcp.DefaultRoutingSearchParameters()
        parameters.first_solution_strategy = getattr(
            routing_enums_pb2.FirstSolutionStrategy, FIRST_SOLUTION
        )
        insertion = parameters.global_cheapest_insertion_first_solution_parameters
        # Insert among near neighbours only: a large day stays fast.
        insertion.neighbors_ratio = min(1.0, 20 / len(self.nodes))
        insertion.min_neighbors = 20
        parameters.local_search_metaheuristic = getattr(
            routing_enums_pb2.LocalSearchMetaheuristic,
            METAHEURISTIC if len(self.jobs) >= MIN_JOBS_FOR_METAHEURISTIC else "GREEDY_DESCENT",
        )
        if len(self.nodes) > LOCAL_SEARCH_NEIGHBOURS * 10:
            # On a large day, moves only between near neighbours: many more moves per second.
            parameters.ls_operator_neighbors_ratio = LOCAL_SEARCH_NEIGHBOURS / len(self.nodes)
            parameters.ls_operator_min_neighbors = LOCAL_SEARCH_NEIGHBOURS
        parameters.time_limit.FromMilliseconds(max(100, int(seconds * 1000)))
        if solution_limit is not None:
            parameters.solution_limit = solution_limit
        parameters.log_search = log_search
        started = time.monotonic()
        solution = self._run(parameters, start)
        if solution_limit is not None and time.monotonic() - started >= seconds - 0.05:
            logger.warning(
                "the planner's time cap (%.1f s) stopped a search before its %d "
                "solutions: this plan may differ from run to run",
                seconds,
                solution_limit,
            )
        return solution

    def _run(self, parameters: Any, start: DayPlan | None) -> pywrapcp.Assignment | None:
        if start is None:
            return self.routing.SolveWithParameters(parameters)
        self.routing.CloseModelWithParameters(parameters)
        assignment = self.routing.ReadAssignmentFromRoutes(self._start_routes(start), True)
        if assignment is None:
            logger.info("the starting plan does not fit the model; inserting from scratch")
            return self.routing.SolveWithParameters(parameters)
        return self.routing.SolveFromAssignmentWithParameters(assignment, parameters)

    def _start_routes(self, initial: DayPlan) -> list[list[int]]:
        """`initial`'s routes as routing indices, keeping what fits the model's whole minutes."""
        nodes: dict[tuple[int, bool], int] = {
            (n.job.id, n.late): i for i, n in enumerate(self.nodes) if n.job is not None
        }
        jobs = {job.id: job for job in self.jobs}
        routes = []
        for vehicle, crew in enumerate(self.crews):
            route = initial.routes.get(crew.id)
            clock, here, worked = int(math.ceil(crew.start)), vehicle, 0
            kept: list[int] = []
            for stop in route.stops if route else ():
                job = jobs.get(stop.job_id)
                if job is None or not crew.can_take(job):
                    continue
                some_node = nodes.get((job.id, False), nodes.get((job.id, True)))
                if some_node is None:
                    continue
                arrival = max(clock + int(self.drive[here, some_node]), int(math.ceil(job.ready)))
                if (
                    arrival + job.service_minutes > crew.end
                    or worked + job.service_minutes > crew.capacity
                ):
                    continue
                on_time = arrival <= job.due and (job.id, False) in nodes
                node = nodes.get((job.id, not on_time))
                if node is None:
                    continue
                kept.append(self.manager.NodeToIndex(node))
                clock, here = arrival + job.service_minutes, node
                worked += job.service_minutes
            routes.append(kept)
        return routes

    def sequences(self, solution: pywrapcp.Assignment) -> dict[int, list[Job]]:
        """The jobs of each technician in visiting order."""
        result: dict[int, list[Job]] = {}
        for vehicle, crew in enumerate(self.crews):
            index = self.routing.Start(vehicle)
            sequence: list[Job] = []
            while not self.routing.IsEnd(index):
                job = self.nodes[self.manager.IndexToNode(index)].job
                if job is not None:
                    sequence.append(job)
                index = solution.Value(self.routing.NextVar(index))
            result[crew.id] = sequence
        return result


def _window(job: Job, crews: tuple[Crew, ...]) -> tuple[int, int]:
    """Arrival between when the job is known and the last start that still ends by closing."""
    ends = [crew.end for crew in crews if crew.can_take(job)]
    return int(math.ceil(job.ready)), int(max(ends)) - job.service_minutes


def _on_time_window(job: Job, crews: tuple[Crew, ...]) -> tuple[int, int] | None:
    """The arrival window that meets the deadline, or None when no arrival can."""
    earliest, latest = _window(job, crews)
    upper = min(latest, int(math.floor(job.due)))
    return (earliest, upper) if upper >= earliest else None


def _late_cost(node: _Node) -> int:
    if node.job is None or not node.late:
        return 0
    return LATE_ARRIVAL * (2 if node.job.priority else 1)
