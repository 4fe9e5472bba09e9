"""A bounded mixed run against one `aftersales serve` (web + worker in one process).

    python benchmarks/soak.py                 # 1 minute on PostgreSQL
    python benchmarks/soak.py --minutes 30    # the issue's soak
    python benchmarks/soak.py --sqlite
    python benchmarks/soak.py --trace         # and where the server's Python memory grew

The demo data is loaded; then, until the time is up, four clients in turn: a `/start` from a new
Telegram chat (the webhook; the replies delivered by the worker to a local fake Bot API), a
repair registered through the API (the job pushed, the customer told), the case list of the API,
and a dashboard page; the worker ticks every minute as in production. Like a real day, cases are
closed as well as opened: once `--open-cases` of the soak's repairs are open, each new one is
followed by a repair manager cancelling the oldest (through the API and the case machine), so the
open work the ticks go through stays bounded instead of growing with the run.

Printed: requests and errors (anything not 2xx/3xx, any exception); the server's resident memory
after 30 s and after the warm-up (3 minutes, or a quarter of a short run), at 25 %, 50 %, 75 % of
the run and at the end, and the growth from warm-up to end, with what glibc's malloc has in use
and holds free at each of these moments; the connections the server holds checked out of its
pools at the end (counted inside the server by benchmarks/soak_server.py) and the database's
connections by state (PostgreSQL: none may be left "idle in transaction"); the outbox rows left
undelivered. With `--trace`, the server's Python allocations are traced (tracemalloc, slower) and
the lines whose live memory grew most between the warm-up and the end are printed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
import urllib.error
import urllib.request
from collections import Counter, deque
from pathlib import Path
from typing import Any

from delivery import Fakes, environ, post_start  # benchmarks/delivery.py
from scratch import free_port, postgres_database, process  # benchmarks/scratch.py

OPEN_CASES = 200  # about a day's repairs of a small service desk
WARM_UP = 180.0  # seconds


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def call(url: str, *, token: str | None = None, body: object | None = None) -> tuple[int, Any]:
    """The HTTP status of one request (0: no answer) and its JSON answer (None if none)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = response.read()
            json_answer = "json" in response.headers.get("Content-Type", "")
            return int(response.status), json.loads(answer) if json_answer else None
    except urllib.error.HTTPError as error:
        return int(error.code), None
    except OSError:
        return 0, None


def repair(n: int) -> dict[str, object]:
    return {
        "kind": "repair",
        "channel": "phone",
        "customer": {
            "name": "홍길동",
            "phone": f"010-{4000 + n // 10000:04d}-{n % 10000:04d}",
            "address": "서울특별시 중구 세종대로 110",
            "zone": "city",
        },
        "product": {"model": "AC-2400W", "serial_number": f"SOAK-{n}"},
        "description": "찬바람이 안 나와요",
    }


class Clients:
    """The four clients taking turns, and the repair manager closing the oldest open repair."""

    def __init__(self, port: int, tokens: dict[str, str], open_cases: int) -> None:
        self.port, self.base = port, f"http://127.0.0.1:{port}"
        self.tokens, self.open_cases = tokens, open_cases
        self.opened: deque[str] = deque()  # the soak's repairs still open, oldest first
        self.statuses: Counter[str] = Counter()

    def turn(self, n: int) -> None:
        kind = ("webhook", "intake", "list", "dashboard")[n % 4]
        if kind == "webhook":
            try:
                post_start(self.port, 600_000_000 + n, 600_000_000 + n)
                status = 200
            except OSError:
                status = 0
        elif kind == "intake":
            status, case = call(
                f"{self.base}/api/v1/cases", token=self.tokens["receptionist"], body=repair(n)
            )
            if status == 201:
                self.opened.append(str(case["number"]))
        elif kind == "list":
            status, _ = call(
                f"{self.base}/api/v1/cases?status=assigned", token=self.tokens["receptionist"]
            )
        else:
            status, _ = call(f"{self.base}/login")
        self.statuses[f"{kind} {status}"] += 1
        if len(self.opened) > self.open_cases:
            self.close_oldest()

    def close_oldest(self) -> None:
        number = self.opened.popleft()
        status, _ = call(
            f"{self.base}/api/v1/cases/{number}/actions/cancel",
            token=self.tokens["repair.manager"],
            body={"reason": "soak: the day's work closes what it opened"},
        )
        self.statuses[f"cancel {status}"] += 1

    def errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if not key.endswith((" 200", " 201")))


def soak(url: str, minutes: float, tmp: Path, *, open_cases: int, trace: bool) -> None:
    from backend.migrate import upgrade

    upgrade(url)
    fakes = Fakes((0.01, 0.05)).start()
    port = free_port()
    env = environ(url, fakes, port, str(tmp / "var"))
    aftersales = str(Path(sys.executable).with_name("aftersales"))
    subprocess.run([aftersales, "seed", "--demo"], env=env, check=True, capture_output=True)
    tokens = {role: _token(aftersales, env, role) for role in ("receptionist", "repair.manager")}
    stats, traces = tmp / "server.json", tmp / "traces"
    traces.mkdir()
    server_command = [
        sys.executable,
        str(Path(__file__).with_name("soak_server.py")),
        str(stats),
        str(traces) if trace else "-",
        "serve",
        "--no-sandbox",
        "--port",
        str(port),
    ]
    clients = Clients(port, tokens, open_cases)
    with process(server_command, port=port, env={**env, "PYTHONUNBUFFERED": "1"}) as server:
        memory = Memory(minutes * 60, server.pid, stats)
        n, started = 0, time.monotonic()
        while (elapsed := time.monotonic() - started) < minutes * 60:
            n += 1
            clients.turn(n)
            label = memory.sample(elapsed)
            if label and trace:
                (traces / f"take-{label}").touch()
        memory.end()
        if trace:
            (traces / "take-end").touch()
        time.sleep(5)  # the last replies delivered
        if trace:
            _wait_for(traces / "end.snapshot", seconds=180)
        left, connections = _leftovers(url)
        checked_out = json.loads(stats.read_text()) if stats.exists() else {}
    fakes.shutdown()
    statuses = clients.statuses
    print(
        f"soak {minutes:g} min on {url.split(':')[0]}: {sum(statuses.values())} requests, "
        f"{clients.errors()} errors {dict(statuses) if clients.errors() else ''}"
    )
    print(
        f"  the soak's repairs: {statuses['intake 201']} registered, "
        f"{statuses['cancel 200']} closed again, at most {open_cases} open at once"
    )
    print(f"  {memory.report()}")
    print(
        f"  pool connections checked out at the end: {checked_out.get('checked_out', '?')} "
        f"(of {checked_out.get('checkouts', '?')} checkouts in the run)"
    )
    print(f"  outbox rows left pending: {left}; database connections at the end: {connections}")
    if trace:
        print(compare_snapshots(traces))


def _token(aftersales: str, env: dict[str, str], role: str) -> str:
    created = subprocess.run(
        [aftersales, "token", "create", "--email", f"{role}@demo.aftersales.local"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return created.stdout.strip().splitlines()[-1]


class Memory:
    """The server's memory after 30 s, after the warm-up, at 25 %, 50 %, 75 % of the run and at
    its end: resident (the kernel's count) and, from the server's own report, what
    glibc's malloc has in use and what it holds free (freed by the program, not returned)."""

    def __init__(self, seconds: float, pid: int, stats: Path) -> None:
        # The warm-up: a few ticks (the first plans the day), every server thread's first
        # requests, the pools filled. 30 s is printed too; the growth counts from the warm-up.
        warm_up = min(WARM_UP, seconds / 4)
        early = min(30.0, warm_up)
        self.marks = [(f"{early:.0f} s", early), ("warm-up", warm_up)] + [
            (f"{share}%", seconds * share / 100)
            for share in (25, 50, 75)
            if seconds * share / 100 > warm_up
        ]
        self.pid, self.stats = pid, stats
        self.rss: dict[str, int] = {}  # KiB
        self.malloc: dict[str, dict[str, int]] = {}  # bytes

    def sample(self, elapsed: float) -> str | None:
        """Sample under the first mark passed and not yet sampled; its label."""
        for label, at in self.marks:
            if elapsed >= at and label not in self.rss:
                self._take(label)
                return label
        return None

    def end(self) -> None:
        self._take("end")

    def _take(self, label: str) -> None:
        self.rss[label] = rss_kib(self.pid)
        if self.stats.exists():
            self.malloc[label] = json.loads(self.stats.read_text())

    def report(self) -> str:
        line = ", ".join(f"{label} {kib / 1024:.0f}" for label, kib in self.rss.items())
        warm, end = self.rss.get("warm-up"), self.rss.get("end")
        growth = f"{100 * (end - warm) / warm:+.1f} %" if warm and end else "n/a"
        lines = [f"resident memory (MiB): {line}; warm-up to end {growth}"]
        if all("in_use" in figures for figures in self.malloc.values()) and self.malloc:
            for key, name in (("in_use", "in use"), ("free_held", "free but held")):
                figures = ", ".join(
                    f"{label} {numbers[key] / 2**20:.0f}" for label, numbers in self.malloc.items()
                )
                lines.append(f"  malloc {name} (MiB): {figures}")
        return "\n".join(lines)


def compare_snapshots(traces: Path, top: int = 12) -> str:
    """The lines whose live allocations grew most between the warm-up's snapshot and the end's."""
    first, last = traces / "warm-up.snapshot", traces / "end.snapshot"
    if not (first.exists() and last.exists()):
        return "  (no snapshots to compare)"
    sizes = ", ".join(
        f"{path.stem} {_mib(tracemalloc.Snapshot.load(str(path)))}"
        for path in sorted(traces.glob("*.snapshot"), key=lambda path: path.stat().st_mtime)
    )
    before, after = tracemalloc.Snapshot.load(str(first)), tracemalloc.Snapshot.load(str(last))
    lines = [
        f"  traced Python memory (MiB): {sizes}",
        "  what grew most from warm-up to end (size, blocks, where allocated):",
    ]
    for stat in after.compare_to(before, "traceback")[:top]:
        frames = " <- ".join(
            f"{Path(frame.filename).name}:{frame.lineno}" for frame in list(stat.traceback)[:4]
        )
        lines.append(f"  {stat.size_diff / 1024:+9.0f} KiB {stat.count_diff:+7d} blocks  {frames}")
    return "\n".join(lines)


def _wait_for(path: Path, *, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(1)


def _mib(snapshot: tracemalloc.Snapshot) -> str:
    return f"{sum(stat.size for stat in snapshot.statistics('filename')) / 2**20:.1f}"


def _leftovers(url: str) -> tuple[int, str]:
    from sqlalchemy import func, select, text

    from backend.db import Database
    from backend.outbox.models import OutboundMessage

    database = Database(url)
    with database.session() as session:
        left = session.scalar(
            select(func.count()).where(
                OutboundMessage.status == "pending", OutboundMessage.channel == "telegram"
            )
        )
        connections = "n/a (SQLite)"
        if url.startswith("postgresql"):
            rows = session.execute(
                text(
                    "SELECT state, count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() GROUP BY 1"
                )
            ).all()
            connections = ", ".join(f"{state}: {count}" for state, count in rows) or "none"
    database.dispose()
    return int(left or 0), connections


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=1.0)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument(
        "--open-cases",
        type=int,
        default=OPEN_CASES,
        help="the soak's repairs kept open at once (older ones are cancelled)",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="trace the server's allocations (tracemalloc; slower) and print what grew most",
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        if options.sqlite:
            soak(
                f"sqlite:///{tmp}/soak.db",
                options.minutes,
                tmp,
                open_cases=options.open_cases,
                trace=options.trace,
            )
            return
        with postgres_database("aftersales_soak") as url:
            if url is not None:
                soak(url, options.minutes, tmp, open_cases=options.open_cases, trace=options.trace)


if __name__ == "__main__":
    main()
