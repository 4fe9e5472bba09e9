"""A big database, and the p95 of the routes staff use most, through the real routes.

    python benchmarks/scale.py                         # 10,000 cases on PostgreSQL
    python benchmarks/scale.py --cases 100000
    python benchmarks/scale.py --growth                # 10,000 then 100,000 cases, side by side
    python benchmarks/scale.py --growth --cases 1000000  # … then 1,000,000 (long: ~1 h here)
    python benchmarks/scale.py --sqlite --cases 100000   # the same on a SQLite file
    python benchmarks/scale.py --plans                 # print the query plans (PostgreSQL)
    python benchmarks/scale.py --cases 1000000 --keep   # fill once, keep the database …
    python benchmarks/scale.py --cases 1000000 --keep   # … and the next run only measures
    python benchmarks/scale.py --cases 100000 --open-share 1  # 100,000 open cases for the tick
    python benchmarks/scale.py --cases 100000 --open-share 1 --keep --ticks 3  # each duty's ms
    python benchmarks/scale.py --cases 100000 --open-share 1 --keep --morning-plan  # the plans

Fills a fresh database (created and dropped here) by COPY (PostgreSQL) or executemany (SQLite):
N cases over three years (85 % repairs, 15 % complaints; the newest 10 % open), 5 history
events a case, 0.3 N customers, 300 technicians. Then measures, over repeated requests through
the Flask test client with a service director's bearer token:
  case       GET /api/v1/cases/<number>                         target p95 <= 5 ms
  board      GET /api/v1/cases?status=assigned&kind=repair      (open board) <= 50 ms
  phone      GET /api/v1/customers?q=<phone>                    <= 10 ms
  tech       GET /api/v1/reports/technicians/<id>?month=        <= 200 ms
  monthly    GET /api/v1/reports/monthly?month=                 <= 1 s
  tick       every duty once (`aftersales tick`), open cases = 10 % of N   <= 2 s at 100,000 open
             (the day's morning plan marked done; the first tick, clearing the generated backlog
             of SLA breaches, is printed apart as tick_first)
With `--morning-plan`, no routes and no ticks: the day's morning plan duty runs once, then a
late-running re-plan an hour later over it, each timed (seconds, the process's peak memory), and
both are rolled back, so a kept database stays as it was filled.
The machine is shared with other work: figures are noisy.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scratch import percentile, postgres_database  # benchmarks/scratch.py

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Seoul
START = NOW - timedelta(days=3 * 365)
TECHNICIANS = 300
# Requests a route gets before it is measured. psycopg prepares a statement at its 6th run on a
# connection and PostgreSQL settles on a generic plan after 5 runs more; until then each run is
# planned again (2.5 ms for the case's six-table join). A running server's pooled connections
# did that long ago: a fresh process's first ten requests are not what its users meet.
WARM_UP = 12
OPEN_REPAIR = ("new", "assigned", "accepted", "on_site")
TARGETS = {"case": 5, "board": 50, "phone": 10, "tech": 200, "monthly": 1000, "tick": 2000}


def rows_of(
    cases: int, open_share: float = 0.1, seed: int = 14
) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
    """(table, rows) in insertion order, generated in chunks; the newest `open_share` of the
    cases are open."""
    rng = random.Random(seed)
    customers = max(10, cases * 3 // 10)
    yield (
        "technicians",
        [
            (
                t,
                f"기사 {t}",
                f"+8210{20000000 + t:08d}",
                "city" if t % 3 else "suburb",
                "ko",
                "[0, 1, 2, 3, 4]",
                480,
                True,
                NOW,
            )
            for t in range(1, TECHNICIANS + 1)
        ],
    )
    chunk = 50_000
    for first in range(1, customers + 1, chunk):
        yield (
            "customers",
            [
                (
                    c,
                    f"고객 {c}",
                    f"+8210{30000000 + c:08d}",
                    "city" if c % 4 else "suburb",
                    "ko",
                    False,
                    START,
                )
                for c in range(first, min(first + chunk, customers + 1))
            ],
        )
    span = (NOW - START).total_seconds()
    open_from = cases - round(cases * open_share)
    for first in range(1, cases + 1, chunk):
        case_rows, event_rows = [], []
        for n in range(first, min(first + chunk, cases + 1)):
            reported = START + timedelta(seconds=span * n / (cases + 1))
            repair = rng.random() < 0.85
            open_case = n > open_from
            if repair:
                status = rng.choice(OPEN_REPAIR) if open_case else "closed"
                technician = rng.randint(1, TECHNICIANS) if status != "new" else None
                due = reported + timedelta(hours=rng.choice((6, 7, 24)))
            else:
                status = rng.choice(("received", "routed")) if open_case else "closed"
                technician, due = None, None
            case_rows.append(
                (
                    n,
                    f"AS-{reported.year}-{n:07d}",
                    "repair" if repair else "complaint",
                    status,
                    rng.choice(("telegram", "phone", "visit")),
                    rng.randint(1, customers),
                    "찬바람이 안 나와요",
                    "city" if n % 4 else "suburb",
                    reported,
                    due,
                    technician,
                    "normal",
                    0,
                    False,
                    "[]",
                    True,
                    reported,
                    reported,
                )
            )
            for e in range(5):
                event_rows.append(
                    (
                        n * 5 + e,
                        n,
                        reported + timedelta(hours=e),
                        "system",
                        ("created", "assigned", "accepted", "arrived", "resolved")[e],
                    )
                )
        yield "cases", case_rows
        yield "case_events", event_rows


COLUMNS = {
    "technicians": "id, name, phone, zone, language, working_days, daily_capacity_minutes, "
    "active, created_at",
    "customers": "id, name, phone, zone, language, key_customer, created_at",
    "cases": "id, number, kind, status, channel, customer_id, description, zone, reported_at, "
    "sla_due_at, assigned_technician_id, priority, reply_chased, carried_over, media, "
    "identity_verified, created_at, updated_at",
    "case_events": "id, case_id, at, actor, action",
}


def fill(url: str, cases: int, open_share: float = 0.1) -> float:
    """Write the rows; seconds taken."""
    from sqlalchemy import text

    from backend.db import Database

    started = time.monotonic()
    database = Database(url)
    postgres = url.startswith("postgresql")
    raw = database.engine.raw_connection()
    try:
        cursor = raw.cursor()
        for table, rows in rows_of(cases, open_share):
            if postgres:
                with cursor.copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:  # type: ignore[attr-defined]
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in COLUMNS[table].split(","))
                cursor.executemany(
                    f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})",
                    [tuple(_sqlite(v) for v in row) for row in rows],
                )
        raw.commit()
    finally:
        raw.close()
    with database.engine.begin() as connection:
        if postgres:
            for table in COLUMNS:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
            connection.execute(text("ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    database.dispose()
    return time.monotonic() - started


def _sqlite(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    return value


def national(customer: int) -> str:
    """Customer n's phone as a person types it: +8210 3000 0042 → 010-3000-0042."""
    digits = f"{30000000 + customer:08d}"
    return f"010-{digits[:4]}-{digits[4:]}"


def bench_settings(url: str) -> Any:
    """The product's settings for measuring the database at `url` (no channel configured)."""
    from backend.settings import load_settings

    environ = {"DATABASE_URL": url, "AFTERSALES_SECRET_KEY": "bench"}
    return load_settings(environ | {"AFTERSALES_VAR_DIR": tempfile.mkdtemp()}, read_dotenv=False)


def measure(url: str, cases: int, repeat: int, ticks: int = 0) -> dict[str, float]:
    """p95 in milliseconds of each figure."""
    import logging

    from backend.app import create_app
    from backend.db import Database
    from backend.memory import freeze_startup_objects
    from backend.people.service import create_token, create_user

    logging.disable(logging.WARNING)
    settings = bench_settings(url)
    database = Database(url)
    with database.session() as session:
        user = create_user(
            session,
            email=f"director-{time.time_ns()}@bench.local",  # a kept database is measured again
            role="service_director",
            password="pw",
        )
        token = create_token(session, user)
    app = create_app({"settings": settings, "database": database, "clock": lambda: NOW})
    client = app.test_client()
    freeze_startup_objects()  # as a server does before serving (backend/memory.py)
    headers = {"Authorization": f"Bearer {token}"}
    rng = random.Random(7)
    customers = max(10, cases * 3 // 10)
    month = f"{NOW.year}-{NOW.month - 1:02d}"

    def get(path: Callable[[], str]) -> Callable[[], None]:
        def run() -> None:
            response = client.get(path(), headers=headers)
            assert response.status_code == 200, (path(), response.get_data(as_text=True)[:300])

        return run

    def case_number() -> str:
        n = rng.randint(1, cases)
        reported = START + timedelta(seconds=(NOW - START).total_seconds() * n / (cases + 1))
        return f"/api/v1/cases/AS-{reported.year}-{n:07d}"

    probes: dict[str, Callable[[], None]] = {
        "case": get(case_number),
        "board": get(lambda: f"/api/v1/cases?status={rng.choice(OPEN_REPAIR[1:])}&kind=repair"),
        "phone": get(lambda: f"/api/v1/customers?q={national(rng.randint(1, customers))}"),
        "tech": get(
            lambda: f"/api/v1/reports/technicians/{rng.randint(1, TECHNICIANS)}?month={month}"
        ),
        "monthly": get(lambda: f"/api/v1/reports/monthly?month={month}"),
    }
    figures: dict[str, float] = {}
    for name, probe in probes.items():
        for _ in range(2 if name in ("monthly", "tech") else WARM_UP):
            probe()  # compiled, prepared and planned, as on a running server's connections
        times = []
        for _ in range(repeat if name not in ("monthly", "tech") else max(5, repeat // 5)):
            started = time.perf_counter()
            probe()
            times.append((time.perf_counter() - started) * 1000)
        figures[name] = percentile(times, 95)
        print(f"  {name}: p95 {figures[name]:.1f} ms", flush=True)  # a long tick hides nothing
    # The day's morning plan (the OR-Tools planner over every open repair, once a day) is marked
    # as done: it is not a minute's tick, and at these open-job counts per technician it runs for
    # minutes (README "Scale": a known limit). The first tick then clears the generated backlog
    # of SLA breaches; the figure is the ticks after it.
    from sqlalchemy import select

    from backend.calendar import calendar_for
    from backend.dispatch.models import PlanRun

    day = calendar_for(settings).local(NOW).date()
    with database.session() as session:
        if session.scalar(select(PlanRun).filter_by(day=day, kind="morning")) is None:
            session.add(PlanRun(day=day, kind="morning", at=NOW))
    tick_times, by_duty = [], []
    for minute in range(max(3, ticks)):
        started = time.perf_counter()
        by_duty.append(timed_tick(database, settings, NOW + timedelta(minutes=minute)))
        tick_times.append((time.perf_counter() - started) * 1000)
    figures["tick"] = max(tick_times[1:])  # the first tick of a day also does once-a-day work
    figures["tick_first"] = tick_times[0]
    if ticks:
        print_duty_times(by_duty)
    database.dispose()
    return figures


def plan_times(url: str) -> dict[str, float]:
    """Seconds of the morning plan and of a late-running re-plan an hour later (`--morning-plan`),
    in one transaction rolled back at the end: the kept database is not changed."""
    import logging
    import resource

    from backend.calendar import calendar_for
    from backend.db import Database
    from backend.dispatch.duties import morning_plan
    from backend.dispatch.flows import replan_day

    logging.disable(logging.WARNING)
    settings = bench_settings(url)
    calendar = calendar_for(settings)
    database = Database(url)
    figures: dict[str, float] = {}
    session = database.sessionmaker()
    try:
        started = time.perf_counter()
        pushed = morning_plan(session, settings, NOW)
        figures["morning_plan_s"] = time.perf_counter() - started
        figures["morning_plan_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"  morning plan: {figures['morning_plan_s']:.1f} s, {pushed} days pushed", flush=True
        )
        later = NOW + timedelta(hours=1)
        started = time.perf_counter()
        run = replan_day(
            session,
            calendar=calendar,
            settings=settings,
            day=calendar.local(later).date(),
            now=later,
            kind="late_running",
        )
        figures["late_replan_s"] = time.perf_counter() - started
        figures["late_replan_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if run is not None:
            print(f"  late re-plan: {run.jobs} jobs, {run.assigned} moved, {run.unassigned} left")
    finally:
        session.rollback()
        session.close()
        database.dispose()
    return figures


def timed_tick(database: Any, settings: Any, now: datetime) -> dict[str, float]:
    """One tick as `aftersales tick` runs it (each duty in its own transaction, in order, under
    its lock), timed duty by duty: milliseconds per duty name, its commit included."""
    from backend.composition import COMPONENTS
    from backend.duties import tick

    times: dict[str, float] = {}
    for named in COMPONENTS.duties:
        started = time.perf_counter()
        tick(database, settings, now, duties=(named,))
        times[named[0]] = (time.perf_counter() - started) * 1000
    return times


def print_duty_times(by_duty: list[dict[str, float]]) -> None:
    """Milliseconds of each duty in each tick, side by side (`--ticks`)."""
    print("\nms per duty  " + "".join(f"{f'tick {n + 1}':>10}" for n in range(len(by_duty))))
    for name in by_duty[0]:
        print(f"{name:<30}" + "".join(f"{times[name]:>10.1f}" for times in by_duty))
    print(f"{'total':<30}" + "".join(f"{sum(times.values()):>10.1f}" for times in by_duty))


def plans(url: str) -> None:
    """EXPLAIN ANALYZE of the queries behind the figures (PostgreSQL)."""
    from sqlalchemy import text

    from backend.db import Database

    database = Database(url)
    queries = {
        "case by number": "SELECT id FROM cases WHERE number = 'AS-2025-0000042'",
        "open board": "SELECT id FROM cases WHERE status = 'assigned' AND kind = 'repair' "
        "ORDER BY sla_due_at LIMIT 50",
        "customer by phone": "SELECT id FROM customers WHERE phone = '+821030000042'",
        "technician month": "SELECT count(*) FROM cases WHERE assigned_technician_id = 7 "
        "AND reported_at >= '2026-10-01' AND reported_at < '2026-11-01'",
        "events of a case": "SELECT * FROM case_events WHERE case_id = 4242 ORDER BY at",
    }
    with database.engine.connect() as connection:
        for label, query in queries.items():
            print(f"-- {label}\n{query}")
            for (line,) in connection.execute(text(f"EXPLAIN ANALYZE {query}")):
                print(f"   {line}")
    database.dispose()


def filled(url: str) -> int:
    """How many cases a kept database already holds (0 for a new one)."""
    from sqlalchemy import inspect, text

    from backend.db import Database

    database = Database(url)
    try:
        if not inspect(database.engine).has_table("cases"):
            return 0
        with database.engine.connect() as connection:
            return int(connection.execute(text("SELECT count(*) FROM cases")).scalar_one())
    finally:
        database.dispose()


def run(
    url: str,
    cases: int,
    repeat: int,
    show_plans: bool,
    open_share: float = 0.1,
    ticks: int = 0,
    morning: bool = False,
) -> dict[str, float]:
    from backend.migrate import upgrade

    already = filled(url)
    upgrade(url)
    if already == cases:
        print(f"kept database: {cases:,} cases already there", flush=True)
    elif already:
        raise SystemExit(f"the kept database holds {already:,} cases, not {cases:,}")
    else:
        seconds = fill(url, cases, open_share)
        print(f"filled {cases:,} cases, {5 * cases:,} events in {seconds:.0f} s", flush=True)
    if show_plans and url.startswith("postgresql"):
        plans(url)
    if morning:
        return plan_times(url)
    return measure(url, cases, repeat, ticks)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--growth", action="store_true", help="10,000, 100,000 … up to --cases")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--plans", action="store_true")
    parser.add_argument(
        "--open-share", type=float, default=0.1, help="the share of cases open (default 0.1)"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="PostgreSQL: keep the filled database (aftersales_scale_<N>) and reuse it next time",
    )
    parser.add_argument(
        "--ticks",
        type=int,
        default=0,
        metavar="N",
        help="run N ticks (a minute apart) and print each duty's milliseconds in each",
    )
    parser.add_argument(
        "--morning-plan",
        action="store_true",
        help="instead of routes and ticks: time the morning plan and a late re-plan (rolled back)",
    )
    options = parser.parse_args()
    sizes = [options.cases]
    if options.growth:
        sizes = [n for n in (10_000, 100_000, 1_000_000) if n <= max(options.cases, 100_000)]
    results: dict[int, dict[str, float]] = {}
    for size in sizes:
        if options.sqlite:
            with tempfile.TemporaryDirectory() as tmp:
                results[size] = run(
                    f"sqlite:///{Path(tmp)}/scale.db",
                    size,
                    options.repeat,
                    False,
                    options.open_share,
                    options.ticks,
                    options.morning_plan,
                )
        else:
            share = "" if options.open_share == 0.1 else f"_open{round(options.open_share * 100)}"
            keep = f"aftersales_scale_{size}{share}" if options.keep else None
            with postgres_database("aftersales_scale", keep=keep) as url:
                if url is None:
                    return
                results[size] = run(
                    url,
                    size,
                    options.repeat,
                    options.plans,
                    options.open_share,
                    options.ticks,
                    options.morning_plan,
                )
        print(json.dumps({"cases": size, **{k: round(v, 1) for k, v in results[size].items()}}))
    if options.morning_plan:
        return
    print(
        f"\np95 ms ({'SQLite' if options.sqlite else 'PostgreSQL'}) "
        + "".join(f"{size:>12,}" for size in sizes)
        + "      target"
    )
    for name in (*TARGETS, "tick_first"):
        cells = "".join(f"{results[size][name]:>12.1f}" for size in sizes)
        print(f"{name:<20}{cells}   {TARGETS.get(name, '')!s:>8}")


if __name__ == "__main__":
    main()
