"""The API's three most-read routes: statements, CPU and p50/p95 a request, by database size.

    python benchmarks/api_reads.py                          # 10,000 and 100,000 cases
    python benchmarks/api_reads.py --cases 2000 100000      # any sizes
    python benchmarks/api_reads.py --against main           # … and the same probes run by the
                                                            # code of a git ref, side by side
    python benchmarks/api_reads.py --sqlite --cases 100000  # a SQLite file

  case    GET /api/v1/cases/<number>                      target p95 <= 5 ms
  board   GET /api/v1/cases?status=<open>&kind=repair     target p95 <= 50 ms
  phone   GET /api/v1/customers?q=010-…                   target p95 <= 10 ms

Through the Flask test client with a service director's bearer token, as benchmarks/scale.py
measures them, on the databases scale.py fills and keeps (PostgreSQL `aftersales_scale_<N>`,
filled here when missing and kept; SQLite: a temporary file). Statements are counted with
SQLAlchemy's `before_cursor_execute`. With `--against REF`, REF's tree is exported to a
temporary directory and the probes alternate between the two trees in rounds on the same
database, so both columns share the machine's load. The machine is shared: read the ratios.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from datetime import timedelta
from pathlib import Path
from typing import Any

from scale import WARM_UP  # benchmarks/scale.py: why a route is warmed up
from scratch import percentile, postgres_database  # benchmarks/scratch.py

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ("case", "board", "phone")
TARGETS = {"case": 5.0, "board": 50.0, "phone": 10.0}
OPEN = ("assigned", "accepted", "on_site")


def probes(cases: int, seed: int) -> dict[str, Callable[[], str]]:
    """A path generator per route, drawing cases and customers as scale.py fills them."""
    from scale import NOW, START, national

    rng = random.Random(seed)
    customers = max(10, cases * 3 // 10)

    def case() -> str:
        n = rng.randint(1, cases)
        reported = START + timedelta(seconds=(NOW - START).total_seconds() * n / (cases + 1))
        return f"/api/v1/cases/AS-{reported.year}-{n:07d}"

    return {
        "case": case,
        "board": lambda: f"/api/v1/cases?status={rng.choice(OPEN)}&kind=repair",
        "phone": lambda: f"/api/v1/customers?q={national(rng.randint(1, customers))}",
    }


def timings(url: str, cases: int, repeat: int, seed: int) -> dict[str, Any]:
    """Per route: the statements of each request and its milliseconds, this tree's code."""
    from scale import NOW
    from sqlalchemy import event

    from backend.app import create_app
    from backend.db import Database
    from backend.memory import freeze_startup_objects
    from backend.people.service import create_token, create_user
    from backend.settings import load_settings

    logging.disable(logging.WARNING)
    settings = load_settings(
        {"DATABASE_URL": url, "AFTERSALES_SECRET_KEY": "bench"}, read_dotenv=False
    )
    database = Database(url)
    with database.session() as session:
        user = create_user(
            session,
            email=f"reader-{time.time_ns()}@bench.local",
            role="service_director",
            password="pw",
        )
        token = create_token(session, user)
    client = create_app(
        {"settings": settings, "database": database, "clock": lambda: NOW}
    ).test_client()
    freeze_startup_objects()  # as a server does before serving (backend/memory.py)
    headers = {"Authorization": f"Bearer {token}"}
    statements = [0]

    def count(*_args: Any) -> None:
        statements[0] += 1

    event.listen(database.engine, "before_cursor_execute", count)
    figures: dict[str, Any] = {}
    for route, path in probes(cases, seed).items():
        for _ in range(WARM_UP):  # compiled, prepared and planned, as on a running server
            client.get(path(), headers=headers)
        ms, cpu, counts = [], [], []
        for _ in range(repeat):
            target = path()
            statements[0] = 0
            started, cpu_started = time.perf_counter(), time.process_time()
            response = client.get(target, headers=headers)
            ms.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - cpu_started) * 1000)
            counts.append(statements[0])
            assert response.status_code == 200, (target, response.get_data(as_text=True)[:300])
        figures[route] = {"ms": ms, "cpu": cpu, "statements": counts}
    database.dispose()
    return figures


def exported(ref: str, into: Path) -> Path:
    """REF's tree (git archive), with this script and its helpers beside it."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    for helper in ("api_reads.py", "scale.py", "scratch.py"):
        (into / "benchmarks" / helper).write_text((ROOT / "benchmarks" / helper).read_text())
    return into


def timings_in(tree: Path, url: str, cases: int, repeat: int, seed: int) -> dict[str, Any]:
    """`timings` run by the code of `tree`, in a child process (this interpreter's packages)."""
    output = subprocess.run(
        [sys.executable, str(tree / "benchmarks" / "api_reads.py"), "--child", url]
        + ["--cases", str(cases), "--repeat", str(repeat), "--seed", str(seed)],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": f"{tree}:{tree / 'benchmarks'}"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return dict(json.loads(output.strip().splitlines()[-1]))


def merged(runs: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """p50, p95 and the statements a request (the most any request sent) over all rounds."""
    result = {}
    for route in ROUTES:
        ms = [t for run in runs for t in run[route]["ms"]]
        cpu = [t for run in runs for t in run[route]["cpu"]]
        statements = [n for run in runs for n in run[route]["statements"]]
        result[route] = {
            "statements": max(statements),
            "cpu": sum(cpu) / len(cpu),
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
        }
    return result


def measure(url: str, cases: int, repeat: int, trees: dict[str, Path]) -> dict[str, Any]:
    """Figures per tree, the trees taking turns in rounds."""
    rounds = 3
    runs: dict[str, list[dict[str, Any]]] = {label: [] for label in trees}
    for number in range(rounds):
        for label, tree in trees.items():
            share = max(1, repeat // rounds)
            runs[label].append(timings_in(tree, url, cases, share, seed=number))
    return {label: merged(found) for label, found in runs.items()}


@contextmanager
def database_of(cases: int, sqlite_dir: Path | None) -> Iterator[str]:
    """The URL of a database of `cases` cases, filled when new: a kept PostgreSQL database
    (`aftersales_scale_<N>`, as scale.py --keep names it) or a SQLite file in `sqlite_dir`."""
    from scale import fill, filled

    from backend.migrate import upgrade

    with (
        nullcontext(f"sqlite:///{sqlite_dir}/scale_{cases}.db")
        if sqlite_dir is not None
        else postgres_database("aftersales_scale", keep=f"aftersales_scale_{cases}")
    ) as url:
        if url is None:
            raise SystemExit("no PostgreSQL server on 127.0.0.1:5432")
        already = filled(url)
        upgrade(url)
        if not already:
            print(f"filling {cases:,} cases …", flush=True)
            fill(url, cases, 0.1)
        elif already != cases:
            raise SystemExit(f"the kept database holds {already:,} cases, not {cases:,}")
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=150, help="requests a route and tree")
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--against", metavar="REF", help="a git ref to compare with")
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        sys.path.insert(0, str(ROOT))
        figures = timings(options.child, options.cases[0], options.repeat, options.seed)
        print(json.dumps(figures))
        return
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"this tree": ROOT}
        if options.against:
            (Path(tmp) / "ref").mkdir()
            trees = {options.against: exported(options.against, Path(tmp) / "ref"), **trees}
        results: dict[int, dict[str, Any]] = {}
        for cases in options.cases:
            with database_of(cases, Path(tmp) if options.sqlite else None) as url:
                results[cases] = measure(url, cases, options.repeat, trees)
        report(results, list(trees), "SQLite" if options.sqlite else "PostgreSQL")


def report(results: dict[int, dict[str, Any]], labels: list[str], engine: str) -> None:
    os.system("uptime")  # noqa: S605,S607 - the load the figures were taken under
    columns = [(cases, label) for cases in results for label in labels]
    head = "".join(f"{f'{cases:,} {label}':>33}" for cases, label in columns)
    print(f"\n{engine}: statements a request | this process's CPU ms (mean) | p50 ms | p95 ms")
    print(f"{'route':<8}{head}   target p95")
    for route in ROUTES:
        cells = ""
        for cases, label in columns:
            f = results[cases][label][route]
            cells += f"{f['statements']:>10} |{f['cpu']:>5.1f} |{f['p50']:>6.1f} |{f['p95']:>6.1f}"
        print(f"{route:<8}{cells}   {TARGETS[route]:>6}")


if __name__ == "__main__":
    main()
