"""Dispatch benchmark: generated Korean metropolitan days, greedy vs the planner (vs VROOM).

    python benchmarks/dispatch.py            # 50/8, 200/30, 1000/150; default budget and 60 s
    python benchmarks/dispatch.py --quick    # 50/8 and 200/30, default budget only

The default budget is a count of solutions (reproducible); each default plan is made twice and
the two compared. "due today" counts jobs left out whose deadline falls before today's close.

Needs no database: the planner's pure functions on plain data. VROOM (`pip install pyvroom`)
is measured too when it is installed; it is not a dependency of the product.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from backend.dispatch.day import DayInstance, DayPlan, build_route, plan_figures  # noqa: E402
from backend.dispatch.online import greedy_plan, insertions  # noqa: E402
from backend.dispatch.solver import PlannerOptions, plan_day  # noqa: E402
from backend.dispatch.synthetic import DAY_MINUTES, LINES, generate_day  # noqa: E402
from backend.dispatch.travel import travel_matrix  # noqa: E402

SIZES = [(50, 8), (200, 30), (1000, 150)]
SEED = 2026


def vroom_plan(instance: DayInstance, seconds: float | None = None) -> DayPlan:
    """VROOM with skills and hard time windows: on-time jobs first, then the rest (it has no
    soft deadlines, so a second pass lets the jobs it could not serve on time be late)."""
    first = _vroom_solve(instance, {job.id: job.due for job in instance.jobs}, seconds)
    served = {i for route in first.values() for i in route}
    second = _vroom_solve(
        instance,
        {job.id: (job.due if job.id in served else DAY_MINUTES) for job in instance.jobs},
        seconds,
    )
    if sum(map(len, second.values())) < len(served):
        second = first
    jobs = instance.jobs_by_id
    routes = {
        crew.id: build_route(crew, [jobs[i] for i in second.get(crew.id, [])])
        for crew in instance.crews
    }
    done = {i for route in second.values() for i in route}
    return DayPlan(routes, {job.id: "left out" for job in instance.jobs if job.id not in done})


def _vroom_solve(
    instance: DayInstance, latest: dict[int, float], seconds: float | None
) -> dict[int, list[int]]:
    import vroom

    crews = instance.crews
    places = [c.start_place for c in crews] + [j.place for j in instance.jobs]
    _, minutes = travel_matrix(places, places)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=np.ceil(minutes).astype(np.uint32))
    skill = {line: k for k, line in enumerate(LINES)}
    for v, crew in enumerate(crews):
        problem.add_vehicle(
            vroom.Vehicle(
                crew.id,
                start=v,
                end=v,
                capacity=[crew.capacity],
                skills={skill[line] for line in crew.lines},
                time_window=vroom.TimeWindow(int(crew.start), int(crew.end)),
            )
        )
    for k, job in enumerate(instance.jobs):
        ready = int(np.ceil(job.ready))
        upper = int(min(DAY_MINUTES - job.service_minutes, latest[job.id]))
        if upper < ready:
            continue
        problem.add_job(
            vroom.Job(
                job.id,
                location=len(crews) + k,
                default_service=job.service_minutes,
                delivery=[job.service_minutes],
                skills={skill[job.product_line or LINES[0]]},
                priority=100 if job.priority else 10,
                time_windows=[vroom.TimeWindow(ready, upper)],
            )
        )
    # Each pass gets half the planner's default budget, as a like-for-like comparison.
    solution = problem.solve(
        exploration_level=5, nb_threads=2, timeout=timedelta(seconds=seconds or 2.0)
    )
    routes: dict[int, list[int]] = {}
    frame = solution.routes
    for row in frame.itertuples():
        if row.type == "job":
            routes.setdefault(int(row.vehicle_id), []).append(int(row.id))
    return routes


def _row(name: str, instance: DayInstance, plan: DayPlan, seconds: float) -> str:
    f = plan_figures(instance, plan, DAY_MINUTES)
    jobs = instance.jobs_by_id
    due_today = sum(1 for job_id in plan.unassigned if jobs[job_id].due < DAY_MINUTES)
    return (
        f"  {name:<24} on time {100 * f.on_time_ratio:5.1f}%  late {f.late:4d}  "
        f"lateness {f.lateness_minutes:7.0f} min  travel {f.travel_km:6.0f} km  "
        f"unassigned {f.unassigned:4d} (due today {due_today:3d})  wall {seconds:6.2f} s"
    )


def _same(first: DayPlan, second: DayPlan) -> bool:
    routes = [{c: r.job_ids for c, r in p.routes.items()} for p in (first, second)]
    return routes[0] == routes[1] and first.unassigned == second.unassigned


def _timed(make: Callable[[], DayPlan]) -> tuple[DayPlan, float]:
    started = time.perf_counter()
    plan = make()
    return plan, time.perf_counter() - started


def insertion_times(instance: DayInstance, plan: DayPlan, count: int = 20) -> list[float]:
    """A new job reported mid-morning, inserted into the day's plans at once."""
    times = []
    for k in range(count):
        model = instance.jobs[k * 7 % len(instance.jobs)]
        job = replace(model, id=10**6 + k, ready=120.0, due=480.0, carried_over=False)
        extended = DayInstance((*instance.jobs, job), instance.crews)
        started = time.perf_counter()
        insertions(extended, plan, job)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(quick: bool) -> None:
    for jobs, technicians in SIZES[:2] if quick else SIZES:
        instance = generate_day(SEED, jobs, technicians)
        carried = sum(1 for j in instance.jobs if j.carried_over)
        print(f"\n{jobs} jobs / {technicians} technicians (seed {SEED}, {carried} carried over)")
        greedy, seconds = _timed(partial(greedy_plan, instance))
        print(_row("greedy", instance, greedy, seconds))
        default = PlannerOptions()
        cap, solutions = default.limits(jobs)
        planned, seconds = _timed(partial(plan_day, instance, default))
        print(_row(f"OR-Tools {solutions} solutions", instance, planned, seconds))
        again, seconds = _timed(partial(plan_day, instance, default))
        print(
            f"  same plan on a second run: {'yes' if _same(planned, again) else 'NO'} "
            f"({seconds:.2f} s; time cap {cap:.0f} s)"
        )
        if not quick:
            sixty = PlannerOptions(time_limit_s=60)
            long_run, seconds = _timed(partial(plan_day, instance, sixty))
            print(_row("OR-Tools 60 s", instance, long_run, seconds))
        try:
            half = cap / 2
            vroomed, seconds = _timed(partial(vroom_plan, instance, half))
            print(_row(f"VROOM 2 × {half:.1f} s", instance, vroomed, seconds))
        except ImportError:
            print("  VROOM                  not installed (pip install pyvroom)")
        times = insertion_times(instance, planned)
        print(
            f"  online insertion       median {statistics.median(times):6.1f} ms, "
            f"max {max(times):6.1f} ms over {len(times)} new jobs"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip the 60 s runs and the 1,000-job day"
    )
    run(parser.parse_args().quick)


if __name__ == "__main__":
    main()
