"""Dispatch benchmark: generated Korean metropolitan days, greedy vs the planner (vs VROOM and
PyVRP); where generated addresses are placed; what placing by district costs a plan.

    python benchmarks/dispatch.py            # 50/8, 200/30, 1000/150; default budget and 60 s
    python benchmarks/dispatch.py --quick    # 50/8 and 200/30, default budget only
    python benchmarks/dispatch.py --places   # only the address shares and the approximation cost
    python benchmarks/dispatch.py --quick --safety-cap-s 300   # on a loaded machine

The default budget is a count of solutions (reproducible); each default plan is made twice and
the two compared. "due today" counts jobs left out whose deadline falls before today's close.

Needs no database: the planner's pure functions on plain data. VROOM and PyVRP
(`pip install -e '.[bench]'`) are measured too when installed; neither is a dependency of the
product.
"""

from __future__ import annotations

import argparse
import random
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
from backend.dispatch.travel import Place, travel_matrix  # noqa: E402
from backend.places.districts import District, all_districts, parse_district  # noqa: E402
from backend.places.service import ZONE_CENTRES  # noqa: E402

SIZES = [(50, 8), (200, 30), (1000, 150)]
SEED = 2026
# PyVRP's certifications are one full matrix per set of lines: about 0.5 GB at 1,000 jobs.
PYVRP_MAX_JOBS = 200


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
    solution = problem.solve(
        exploration_level=5, nb_threads=2, timeout=timedelta(seconds=seconds or 2.0)
    )
    routes: dict[int, list[int]] = {}
    frame = solution.routes
    for row in frame.itertuples():
        if row.type == "job":
            routes.setdefault(int(row.vehicle_id), []).append(int(row.id))
    return routes


def pyvrp_plan(instance: DayInstance, seconds: float | None = None) -> DayPlan:
    """PyVRP with hard time windows, in two passes like VROOM: on-time jobs first (a job due
    today is worth far more than one due later), then the rest may be late. Certifications are
    routing profiles: one per set of lines, where a job outside the set is out of reach."""
    first = _pyvrp_solve(instance, {job.id: job.due for job in instance.jobs}, seconds)
    served = {i for route in first.values() for i in route}
    second = _pyvrp_solve(
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


def _pyvrp_solve(
    instance: DayInstance, latest: dict[int, float], seconds: float | None
) -> dict[int, list[int]]:
    import pyvrp
    from pyvrp.stop import MaxRuntime

    crews, jobs = instance.crews, instance.jobs
    places = [c.start_place for c in crews] + [j.place for j in jobs]
    _, minutes = travel_matrix(places, places)
    base = np.ceil(minutes).astype(np.int64)
    np.fill_diagonal(base, 0)
    line_sets = sorted({crew.lines for crew in crews}, key=sorted)
    matrices = []
    for lines in line_sets:  # a profile per set of certified lines (R4.4)
        matrix = base.copy()
        for k, job in enumerate(jobs):
            if job.product_line not in lines:
                matrix[:, len(crews) + k] = 10**6
                matrix[len(crews) + k, len(crews) + k] = 0
        matrices.append(matrix)
    locations = [pyvrp.Location(p.lon, p.lat) for p in places]
    depots = [pyvrp.Depot(location=v) for v in range(len(crews))]
    vehicle_types = [
        pyvrp.VehicleType(
            1,
            [crew.capacity],
            start_depot=v,
            end_depot=v,
            tw_early=int(crew.start),
            tw_late=int(crew.end),
            profile=line_sets.index(crew.lines),
        )
        for v, crew in enumerate(crews)
    ]
    clients = []
    for k, job in enumerate(jobs):
        ready = int(np.ceil(job.ready))
        upper = max(ready, int(min(DAY_MINUTES - job.service_minutes, latest[job.id])))
        prize = 100_000 if job.due < DAY_MINUTES else 1_000
        clients.append(
            pyvrp.Client(
                location=len(crews) + k,
                delivery=[job.service_minutes],
                service_duration=job.service_minutes,
                tw_early=ready,
                tw_late=upper,
                prize=prize * (2 if job.priority else 1),
                required=False,
            )
        )
    data = pyvrp.ProblemData(locations, clients, depots, vehicle_types, matrices, matrices)
    result = pyvrp.solve(
        data, stop=MaxRuntime(seconds or 2.0), seed=SEED, display=False, collect_stats=False
    )
    routes: dict[int, list[int]] = {}
    for route in result.best.routes():
        crew = crews[route.vehicle_type()]
        visits = [jobs[a.idx].id for a in route if a.is_client()]
        routes[crew.id] = visits
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


def run(quick: bool, safety_cap_s: float | None = None) -> None:
    for jobs, technicians in SIZES[:2] if quick else SIZES:
        instance = generate_day(SEED, jobs, technicians)
        carried = sum(1 for j in instance.jobs if j.carried_over)
        print(f"\n{jobs} jobs / {technicians} technicians (seed {SEED}, {carried} carried over)")
        greedy, seconds = _timed(partial(greedy_plan, instance))
        print(_row("greedy", instance, greedy, seconds))
        default = PlannerOptions(safety_cap_s=safety_cap_s)
        cap, solutions = PlannerOptions().limits(jobs)
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
            print("  " + _gap(instance, planned, long_run))
        # VROOM and PyVRP: two passes of 0.03 s per job each (at least 1.5 s), about what the
        # planner's default budget takes on an idle 2-core machine at 1,000 jobs.
        half = max(1.5, 0.03 * jobs)
        try:
            vroomed, seconds = _timed(partial(vroom_plan, instance, half))
            print(_row(f"VROOM 2 × {half:.1f} s", instance, vroomed, seconds))
        except ImportError:
            print("  VROOM                  not installed (pip install pyvroom)")
        try:
            if jobs > PYVRP_MAX_JOBS:
                print(f"  PyVRP                  not run above {PYVRP_MAX_JOBS} jobs (memory)")
            else:
                solved, seconds = _timed(partial(pyvrp_plan, instance, half))
                print(_row(f"PyVRP 2 × {half:.1f} s", instance, solved, seconds))
        except ImportError:
            print("  PyVRP                  not installed (pip install pyvrp)")
        times = insertion_times(instance, planned)
        print(
            f"  online insertion       median {statistics.median(times):6.1f} ms, "
            f"max {max(times):6.1f} ms over {len(times)} new jobs"
        )


def _gap(instance: DayInstance, default: DayPlan, long_run: DayPlan) -> str:
    """How far the default budget trails the 60 s solve (positive: the default is worse)."""
    d = plan_figures(instance, default, DAY_MINUTES)
    s = plan_figures(instance, long_run, DAY_MINUTES)

    def pct(ours: float, theirs: float) -> str:
        return f"{100 * (ours - theirs) / theirs:+.1f} %" if theirs else f"{ours - theirs:+.0f}"

    return (
        f"default vs 60 s: late {d.late - s.late:+d}, lateness "
        f"{pct(d.lateness_minutes, s.lateness_minutes)}, travel {pct(d.travel_km, s.travel_km)}"
    )


# Generated addresses as customers write them (issue 17): mostly full road addresses, some short
# or old province names, some without a province, some romanised, some with no place at all.
ROADS = ("중앙로", "시청로", "역전길", "공원로", "대학로", "시장길", "문화로", "한빛로")
FORMS = (
    ("full", 0.55),
    ("short", 0.2),
    ("no_province", 0.1),
    ("romanised", 0.08),
    ("nowhere", 0.07),
)
SHORT = {"서울특별시": "서울", "부산광역시": "부산", "경기도": "경기", "전라남도": "전남"}
ROMAN = ("Gangnam-gu, Seoul", "Haeundae-gu, Busan", "Suwon-si, Gyeonggi-do")
NOWHERE = ("래미안 아파트 101동 1203호", "시장 앞 파란 대문", "정문 옆 건물 2층")
RURAL = {"강원특별자치도": ("정선군", "인제군"), "전라남도": ("신안군", "보성군")}


def generated_addresses(count: int, seed: int = SEED) -> list[str]:
    """Seoul, Gyeonggi and Busan by their share of a metropolitan service's customers, and a few
    rural counties."""
    rng = random.Random(seed)
    by_province = {
        name: [d for d in _leaf_districts() if d.province == name]
        for name in ("서울특별시", "경기도", "부산광역시")
    }
    addresses = []
    for _ in range(count):
        province = rng.choices(
            ["서울특별시", "경기도", "부산광역시", "rural"], weights=[45, 35, 15, 5]
        )[0]
        if province == "rural":
            province = rng.choice(sorted(RURAL))
            district = rng.choice(RURAL[province])
        else:
            district = rng.choice(by_province[province]).name
        road = f"{rng.choice(ROADS)} {rng.randint(1, 300)}"
        form = rng.choices([f for f, _ in FORMS], weights=[w for _, w in FORMS])[0]
        if form == "full":
            addresses.append(f"{province} {district} {road}")
        elif form == "short":
            addresses.append(f"{SHORT.get(province, province)} {district} {road}")
        elif form == "no_province":
            addresses.append(f"{district} {road}")
        elif form == "romanised":
            addresses.append(f"{rng.randint(1, 300)} Jungang-ro, {rng.choice(ROMAN)}")
        else:
            addresses.append(rng.choice(NOWHERE))
    return addresses


def address_shares(count: int = 2000) -> None:
    """Where the embedded geocoder (no service) places generated addresses."""
    addresses = generated_addresses(count)
    placed = sum(1 for a in addresses if parse_district(a) is not None)
    print(f"\nGenerated addresses ({count}: Seoul, Gyeonggi, Busan, four rural counties)")
    print("  exact      0.0 %  (no geocoding service in the benchmark: GEOCODER=kakao places")
    print("                     the road addresses it knows; see tests/places)")
    share = round(100 * placed / count, 1)
    print(f"  district {share:5.1f} %  (the district table alone)")
    print(f"  zone     {100 - share:5.1f} %  (zone centre, a task to staff)")


def _leaf_districts() -> list[District]:
    """Districts without the whole-city rows of cities divided into gu."""
    table = all_districts()
    cities = {d.name.split(" ")[0] for d in table if " " in d.name}
    return [d for d in table if d.name not in cities]


def _district_place(place: Place) -> Place:
    """The centroid of the district `place` lies in (the smallest bounding box holding it,
    else the nearest centroid): what the embedded geocoder gives for its address."""
    table = _leaf_districts()
    holding = [d for d in table if d.contains(place.lat, place.lon)]
    if holding:
        best = min(holding, key=lambda d: (d.north - d.south) * (d.east - d.west))
    else:
        best = min(table, key=lambda d: (d.lat - place.lat) ** 2 + (d.lon - place.lon) ** 2)
    return Place(best.lat, best.lon, place.zone)


def _zone_place(place: Place) -> Place:
    lat, lon = ZONE_CENTRES[place.zone]
    return Place(lat, lon, place.zone)


def approximation_cost(jobs: int = 200, technicians: int = 30) -> None:
    """The same day planned from exact places, district centroids and zone centres, each plan
    then driven to the exact places (what really happens)."""
    exact = generate_day(SEED, jobs, technicians)
    print(f"\nCost of approximation ({jobs} jobs / {technicians} technicians, default budget;")
    print("  each plan timed again at the exact places)")
    for name, move in (("exact", None), ("district", _district_place), ("zone", _zone_place)):
        if move is None:
            instance = exact
        else:
            moved = tuple(replace(job, place=move(job.place)) for job in exact.jobs)
            instance = DayInstance(moved, exact.crews)
        plan, seconds = _timed(partial(plan_day, instance, PlannerOptions(safety_cap_s=300)))
        jobs_by_id = exact.jobs_by_id
        driven = DayPlan(
            {
                crew.id: build_route(crew, [jobs_by_id[i] for i in plan.routes[crew.id].job_ids])
                for crew in exact.crews
                if crew.id in plan.routes
            },
            plan.unassigned,
        )
        print(_row(f"planned at {name}", exact, driven, seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="skip the 60 s runs and the 1,000-job day"
    )
    parser.add_argument(
        "--places", action="store_true", help="only the address shares and approximation cost"
    )
    parser.add_argument(
        "--safety-cap-s",
        type=float,
        help="raise the planner's wall-clock safety net (a loaded machine): plans stay stopped "
        "by their solution count, so the figures are those of an idle machine, the times not",
    )
    args = parser.parse_args()
    if not args.places:
        run(args.quick, args.safety_cap_s)
    address_shares()
    approximation_cost()


if __name__ == "__main__":
    main()
