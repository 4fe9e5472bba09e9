"""A bounded mixed run against one `aftersales serve` (web + worker in one process).

    python benchmarks/soak.py                 # 1 minute on PostgreSQL
    python benchmarks/soak.py --minutes 30    # the issue's soak
    python benchmarks/soak.py --sqlite

The demo data is loaded; then, until the time is up, four clients in turn: a `/start` from a new
Telegram chat (the webhook; the replies delivered by the worker to a local fake Bot API), a
repair registered through the API (the job pushed, the customer told), the case list of the API,
and a dashboard page; the worker ticks every minute as in production. Printed: requests and
errors (anything not 2xx/3xx, any exception), the process's resident memory after the warm-up and
at the end, the database's connections at the end (PostgreSQL: none may be left "idle in
transaction"), and the outbox rows left undelivered.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from delivery import Fakes, environ, post_start  # benchmarks/delivery.py
from scratch import free_port, postgres_database, process  # benchmarks/scratch.py


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def call(url: str, *, token: str | None = None, body: object | None = None) -> int:
    """The HTTP status of one request (0: no answer)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


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


def soak(url: str, minutes: float, tmp: Path) -> None:
    from backend.migrate import upgrade

    upgrade(url)
    fakes = Fakes((0.01, 0.05)).start()
    port = free_port()
    env = environ(url, fakes, port, str(tmp / "var"))
    aftersales = str(Path(sys.executable).with_name("aftersales"))
    subprocess.run([aftersales, "seed", "--demo"], env=env, check=True, capture_output=True)
    token = (
        subprocess.run(
            [aftersales, "token", "create", "--email", "receptionist@demo.aftersales.local"],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    base = f"http://127.0.0.1:{port}"
    statuses: Counter[str] = Counter()
    with process(
        [aftersales, "serve", "--no-sandbox", "--port", str(port)],
        port=port,
        env={**env, "PYTHONUNBUFFERED": "1"},
    ) as server:
        n, warm_rss, started = 0, 0, time.monotonic()
        while time.monotonic() - started < minutes * 60:
            n += 1
            kind = ("webhook", "intake", "list", "dashboard")[n % 4]
            if kind == "webhook":
                try:
                    post_start(port, 600_000_000 + n, 600_000_000 + n)
                    status = 200
                except OSError:
                    status = 0
            elif kind == "intake":
                status = call(f"{base}/api/v1/cases", token=token, body=repair(n))
            elif kind == "list":
                status = call(f"{base}/api/v1/cases?status=assigned", token=token)
            else:
                status = call(f"{base}/login")
            statuses[f"{kind} {status}"] += 1
            if not warm_rss and time.monotonic() - started > min(30, minutes * 30):
                warm_rss = rss_kib(server.pid)
        end_rss = rss_kib(server.pid)
        time.sleep(5)  # the last replies delivered
        left, connections = _leftovers(url)
    fakes.shutdown()
    errors = sum(count for key, count in statuses.items() if not key.endswith((" 200", " 201")))
    print(
        f"soak {minutes:g} min on {url.split(':')[0]}: {sum(statuses.values())} requests, "
        f"{errors} errors {dict(statuses) if errors else ''}"
    )
    growth = 100 * (end_rss - warm_rss) / warm_rss if warm_rss else 0.0
    print(
        f"  resident memory {warm_rss // 1024} MiB after warm-up, {end_rss // 1024} MiB at the "
        f"end ({growth:+.1f} %)"
    )
    print(f"  outbox rows left pending: {left}; database connections at the end: {connections}")


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
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        tmp = Path(directory)
        if options.sqlite:
            soak(f"sqlite:///{tmp}/soak.db", options.minutes, tmp)
            return
        with postgres_database("aftersales_soak") as url:
            if url is not None:
                soak(url, options.minutes, tmp)


if __name__ == "__main__":
    main()
